#!/usr/bin/env bash
# Creates the topics listed in $1 ("name partitions replication-factor k=v,…|-" per line) with
# the Kafka distribution's tools, connecting as the services do (KAFKA_BROKERS,
# KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*). A topic that exists keeps its
# partitions and replication; the configuration listed is set on it (other settings stay).
set -euo pipefail
list=$1
bin=${KAFKA_BIN:-/opt/kafka/bin}
work=$(mktemp -d)
props="$work/client.properties"

# A value in a .properties file: backslashes doubled (the file format reads them as escapes).
prop() { printf '%s=%s\n' "$1" "${2//\\/\\\\}" >> "$props"; }
# A JAAS option value: quoted, with its quotes and backslashes escaped.
jaas() {
  local s=${1//\\/\\\\}
  printf '"%s"' "${s//\"/\\\"}"
}

: > "$props"
prop security.protocol "${KAFKA_SECURITY_PROTOCOL:-PLAINTEXT}"
case "${KAFKA_SASL_MECHANISM:-}" in
  '') ;;
  PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512)
    module=org.apache.kafka.common.security.scram.ScramLoginModule
    [[ $KAFKA_SASL_MECHANISM == PLAIN ]] && module=org.apache.kafka.common.security.plain.PlainLoginModule
    password=$(< "$KAFKA_SASL_PASSWORD_FILE")
    prop sasl.mechanism "$KAFKA_SASL_MECHANISM"
    prop sasl.jaas.config "$module required username=$(jaas "$KAFKA_SASL_USERNAME") password=$(jaas "$password");"
    ;;
  OAUTHBEARER)
    # The token file is read as the services read it (a file: URL is the client's static token).
    prop sasl.mechanism OAUTHBEARER
    prop sasl.login.callback.handler.class org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler
    prop sasl.oauthbearer.token.endpoint.url "file://$KAFKA_SASL_OAUTHBEARER_TOKEN_FILE"
    prop sasl.jaas.config 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;'
    export KAFKA_OPTS="${KAFKA_OPTS:-} -Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=file://$KAFKA_SASL_OAUTHBEARER_TOKEN_FILE"
    ;;
  *)
    echo "unsupported KAFKA_SASL_MECHANISM: $KAFKA_SASL_MECHANISM" >&2
    exit 2
    ;;
esac
if [[ -n ${KAFKA_SSL_CA_FILE:-} ]]; then
  prop ssl.truststore.type PEM
  prop ssl.truststore.location "$KAFKA_SSL_CA_FILE"
fi
if [[ -n ${KAFKA_SSL_CERT_FILE:-} ]]; then
  # One PEM file with the (PKCS#8) key and the certificate chain.
  cat "$KAFKA_SSL_KEY_FILE" "$KAFKA_SSL_CERT_FILE" > "$work/keystore.pem"
  prop ssl.keystore.type PEM
  prop ssl.keystore.location "$work/keystore.pem"
fi
# The Java client cannot skip the chain check; false here skips the host name check only.
if [[ ${KAFKA_SSL_REJECT_UNAUTHORIZED:-true} == false ]]; then prop ssl.endpoint.identification.algorithm ''; fi

kafka() { "$bin/$1" --bootstrap-server "$KAFKA_BROKERS" --command-config "$props" "${@:2}"; }

# The brokers may still be starting (a fresh install): 30 tries, 5 s apart, by default.
tries=${KAFKA_TOPICS_TRIES:-30}
for try in $(seq 1 "$tries"); do
  if kafka kafka-topics.sh --list > "$work/list.out" 2>&1; then break; fi
  echo "brokers not answering yet (try $try of $tries): $(grep -m1 -E '^Error|Exception' "$work/list.out" || tail -1 "$work/list.out")" >&2
  if [[ $try == "$tries" ]]; then exit 1; fi
  sleep 5
done
# Topic names only: the tools may print log lines too.
existing=$(grep -E '^[A-Za-z0-9._-]+$' "$work/list.out" || true)

while read -r name partitions replication config; do
  [[ -z $name ]] && continue
  if grep -qx -- "$name" <<< "$existing"; then
    if [[ $config != - ]]; then
      kafka kafka-configs.sh --alter --entity-type topics --entity-name "$name" --add-config "$config" > /dev/null
      echo "$name: exists, configuration set ($config)"
    else
      echo "$name: exists"
    fi
  else
    args=(--create --if-not-exists --topic "$name" --partitions "$partitions" --replication-factor "$replication")
    if [[ $config != - ]]; then
      IFS=, read -ra pairs <<< "$config"
      for pair in "${pairs[@]}"; do args+=(--config "$pair"); done
    fi
    kafka kafka-topics.sh "${args[@]}" > /dev/null
    echo "$name: created ($partitions partitions, replication $replication, $config)"
  fi
done < "$list"
rm -rf "$work"
