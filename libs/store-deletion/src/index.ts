// A deleted store's grace, pure (no Nest or I/O): when all its rows may go, in both services.
export { deletedStoreVerdict, type DeletedStoreVerdict, type StoreDeletionPolicy } from './deleted-store';
