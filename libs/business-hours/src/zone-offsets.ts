// The UTC offset of an IANA zone over time, as segments of constant offset.
//
// luxon answers "what is the offset at instant t" through Intl, which costs microseconds per
// call; planSend must cost well under that. So each zone's timeline is worked out once per
// 16-day chunk (offset sampled every 6 hours, transitions found to the second by bisection) and
// kept: afterwards finding the offset at an instant is a lookup.
import { IANAZone } from 'luxon';
import { DAY_MS, HOUR_MS } from './calendar';

const CHUNK_MS = 16 * DAY_MS;
// No zone has ever changed its offset twice within 6 hours, so sampling this often finds every
// transition (tzdb transitions are at least weeks apart in practice).
const SAMPLE_MS = 6 * HOUR_MS;
// Bounds memory when callers sweep many years (property tests); a rebuilt chunk is the same.
const MAX_CHUNKS_PER_ZONE = 4096;

interface Chunk {
  /** Instants where an offset starts; starts[0] is the chunk start. */
  starts: number[];
  /** Offset in ms from starts[i] to the next start (or the chunk end). */
  offsets: number[];
}

/** A stretch of time over which the zone's offset does not change. */
export interface OffsetSegment {
  offsetMs: number;
  /** First instant after the segment (exclusive); a chunk boundary may split a segment in two. */
  endMs: number;
}

export class ZoneTimeline {
  private readonly chunks = new Map<number, Chunk>();

  constructor(private readonly zone: IANAZone) {}

  offsetAt(instantMs: number): number {
    const chunk = this.chunkOf(Math.floor(instantMs / CHUNK_MS));
    const { starts, offsets } = chunk;
    let i = starts.length - 1;
    while (i > 0 && starts[i] > instantMs) i--;
    return offsets[i];
  }

  segmentAt(instantMs: number): OffsetSegment {
    const index = Math.floor(instantMs / CHUNK_MS);
    const { starts, offsets } = this.chunkOf(index);
    let i = starts.length - 1;
    while (i > 0 && starts[i] > instantMs) i--;
    return { offsetMs: offsets[i], endMs: i + 1 < starts.length ? starts[i + 1] : (index + 1) * CHUNK_MS };
  }

  private chunkOf(index: number): Chunk {
    let chunk = this.chunks.get(index);
    if (!chunk) {
      if (this.chunks.size >= MAX_CHUNKS_PER_ZONE) this.chunks.clear();
      chunk = this.build(index * CHUNK_MS, (index + 1) * CHUNK_MS);
      this.chunks.set(index, chunk);
    }
    return chunk;
  }

  private offsetMsAt(instantMs: number): number {
    const offset = Math.round(this.zone.offset(instantMs) * 60_000);
    // A NaN offset would never equal itself and keep the transition search running forever.
    if (!Number.isFinite(offset)) throw new RangeError(`no offset for ${this.zone.name} at ${instantMs} ms`);
    return offset;
  }

  private build(start: number, end: number): Chunk {
    const starts = [start];
    let current = this.offsetMsAt(start);
    const offsets = [current];
    let from = start;
    for (let probe = start + SAMPLE_MS; from < end; probe += SAMPLE_MS) {
      const to = Math.min(probe, end);
      // Several transitions may hide between two probes: find them one by one.
      while (this.offsetMsAt(to) !== current) {
        // Bisect on whole seconds: tzdb transitions fall on seconds. off(lo) = current ≠ off(hi).
        let lo = from;
        let hi = to;
        while (hi - lo > 1000) {
          const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
          if (this.offsetMsAt(mid) === current) lo = mid;
          else hi = mid;
        }
        if (hi >= end) break; // a transition exactly at the chunk end belongs to the next chunk
        current = this.offsetMsAt(hi);
        starts.push(hi);
        offsets.push(current);
        from = hi;
      }
      from = to;
    }
    return { starts, offsets };
  }
}

const timelines = new Map<string, ZoneTimeline>();

/** The timeline of a zone, or undefined when the zone is not a valid IANA zone. */
export function timelineOf(zoneName: string): ZoneTimeline | undefined {
  let timeline = timelines.get(zoneName);
  if (!timeline) {
    if (!IANAZone.isValidZone(zoneName)) return undefined;
    timeline = new ZoneTimeline(IANAZone.create(zoneName));
    timelines.set(zoneName, timeline);
  }
  return timeline;
}

export function isValidTimeZone(zone: string): boolean {
  return typeof zone === 'string' && zone.length > 0 && IANAZone.isValidZone(zone);
}
