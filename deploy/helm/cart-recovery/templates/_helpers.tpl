{{/* The three services, in the order they are rendered. */}}
{{- define "cart-recovery.services" -}}
ingest scheduler sender
{{- end -}}

{{- define "cart-recovery.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cart-recovery.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "<fullname>-<suffix>", within the 63 characters of a name. Call with (list $ "suffix"). */}}
{{- define "cart-recovery.componentName" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "cart-recovery.fullname" $root | trunc (int (sub 62 (len (index . 1))))) (index . 1) | trimSuffix "-" -}}
{{- end -}}

{{- define "cart-recovery.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "cart-recovery.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Labels of every object. Call with (list $ "component"). */}}
{{- define "cart-recovery.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" }}
{{ include "cart-recovery.selectorLabels" . }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: cart-recovery
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "cart-recovery.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "cart-recovery.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cart-recovery.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "cart-recovery.secretName" -}}
{{- default (include "cart-recovery.componentName" (list . "secrets")) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* SASL with a user and password (PLAIN, SCRAM-*). */}}
{{- define "cart-recovery.kafkaUsesPassword" -}}
{{- $k := .Values.kafka -}}
{{- if and (hasPrefix "SASL_" $k.securityProtocol) (has $k.sasl.mechanism (list "PLAIN" "SCRAM-SHA-256" "SCRAM-SHA-512")) -}}true{{- end -}}
{{- end -}}

{{- define "cart-recovery.kafkaUsesTls" -}}
{{- if has .Values.kafka.securityProtocol (list "SSL" "SASL_SSL") -}}true{{- end -}}
{{- end -}}

{{- define "cart-recovery.oauthbearer" -}}
{{- if and (hasPrefix "SASL_" .Values.kafka.securityProtocol) (eq .Values.kafka.sasl.mechanism "OAUTHBEARER") -}}true{{- end -}}
{{- end -}}

{{- define "cart-recovery.oauthTokenFile" -}}
{{- if .Values.kafka.sasl.oauthbearer.serviceAccountToken.enabled -}}
/var/run/secrets/cart-recovery/kafka-token/token
{{- else -}}
{{- .Values.kafka.sasl.oauthbearer.tokenFile -}}
{{- end -}}
{{- end -}}

{{/* The secret variables a service reads: (list $ "service") → space-separated names. */}}
{{- define "cart-recovery.secretVariables" -}}
{{- $root := index . 0 -}}
{{- $service := index . 1 -}}
{{- /* Written from the services' configuration by `npm run chart:files` (the scheduler never
the stores' keyring; the sender's API_KEYS open only its part of an access request). */ -}}
{{- $wanted := index ($root.Files.Get "files/secret-variables.json" | fromJson) $service -}}
{{- if not (include "cart-recovery.kafkaUsesPassword" $root) -}}{{- $wanted = without $wanted "KAFKA_SASL_PASSWORD" -}}{{- end -}}
{{- $have := list -}}
{{- if $root.Values.secrets.existingSecret -}}
{{- $have = $root.Values.secrets.existingSecretKeys -}}
{{- else -}}
{{- range $name, $value := $root.Values.secrets.values -}}{{- if $value -}}{{- $have = append $have $name -}}{{- end -}}{{- end -}}
{{- end -}}
{{- $out := list -}}
{{- range $wanted -}}{{- if has . $have -}}{{- $out = append $out . -}}{{- end -}}{{- end -}}
{{- join " " $out -}}
{{- end -}}

{{/*
The problems of the values that the schema cannot see (across keys), all at once.
*/}}
{{- define "cart-recovery.validate" -}}
{{- $v := .Values -}}
{{- $problems := list -}}
{{- if not $v.kafka.brokers -}}
{{- $problems = append $problems "kafka.brokers: at least one bootstrap server is required" -}}
{{- end -}}
{{- if $v.secrets.existingSecret -}}
{{- if not (has "DATABASE_URL" $v.secrets.existingSecretKeys) -}}
{{- $problems = append $problems "secrets.existingSecretKeys: must list DATABASE_URL (the services cannot start without it)" -}}
{{- end -}}
{{- else if not $v.secrets.values.DATABASE_URL -}}
{{- $problems = append $problems "secrets.values.DATABASE_URL: is required (or name a Secret holding it in secrets.existingSecret)" -}}
{{- end -}}
{{- if or $v.ingest.enabled $v.sender.enabled -}}
{{- if $v.secrets.existingSecret -}}
{{- if not (has "SECRETS_ENCRYPTION_KEYS" $v.secrets.existingSecretKeys) -}}
{{- $problems = append $problems "secrets.existingSecretKeys: must list SECRETS_ENCRYPTION_KEYS (ingest and the sender cannot start without it)" -}}
{{- end -}}
{{- else if not $v.secrets.values.SECRETS_ENCRYPTION_KEYS -}}
{{- $problems = append $problems "secrets.values.SECRETS_ENCRYPTION_KEYS: is required, id:base64key,… (or name a Secret holding it in secrets.existingSecret)" -}}
{{- end -}}
{{- end -}}
{{- $sasl := hasPrefix "SASL_" $v.kafka.securityProtocol -}}
{{- if and $sasl (not $v.kafka.sasl.mechanism) -}}
{{- $problems = append $problems (printf "kafka.sasl.mechanism: is required with kafka.securityProtocol %s" $v.kafka.securityProtocol) -}}
{{- end -}}
{{- if and (not $sasl) $v.kafka.sasl.mechanism -}}
{{- $problems = append $problems (printf "kafka.sasl.mechanism: needs kafka.securityProtocol SASL_PLAINTEXT or SASL_SSL (is %s)" $v.kafka.securityProtocol) -}}
{{- end -}}
{{- if include "cart-recovery.kafkaUsesPassword" . -}}
{{- if not $v.kafka.sasl.username -}}
{{- $problems = append $problems (printf "kafka.sasl.username: is required with %s" $v.kafka.sasl.mechanism) -}}
{{- end -}}
{{- if and (not $v.secrets.existingSecret) (not $v.secrets.values.KAFKA_SASL_PASSWORD) -}}
{{- $problems = append $problems (printf "secrets.values.KAFKA_SASL_PASSWORD: is required with %s (or secrets.existingSecret)" $v.kafka.sasl.mechanism) -}}
{{- end -}}
{{- if and $v.secrets.existingSecret (not (has "KAFKA_SASL_PASSWORD" $v.secrets.existingSecretKeys)) -}}
{{- $problems = append $problems (printf "secrets.existingSecretKeys: must list KAFKA_SASL_PASSWORD with %s" $v.kafka.sasl.mechanism) -}}
{{- end -}}
{{- end -}}
{{- if include "cart-recovery.oauthbearer" . -}}
{{- if not (include "cart-recovery.oauthTokenFile" .) -}}
{{- $problems = append $problems "kafka.sasl.oauthbearer: set tokenFile or enable serviceAccountToken" -}}
{{- end -}}
{{- if and (eq $v.autoscaling.mode "keda") (not $v.autoscaling.keda.podIdentity) (or (not $v.autoscaling.keda.oauthbearer.secretName) (not $v.autoscaling.keda.oauthbearer.tokenEndpointUri)) -}}
{{- $problems = append $problems "autoscaling.keda.oauthbearer: KEDA needs an OAuth client (secretName and tokenEndpointUri) or autoscaling.keda.podIdentity with OAUTHBEARER" -}}
{{- end -}}
{{- end -}}
{{- if and (not (include "cart-recovery.kafkaUsesTls" .)) $v.kafka.tls.secretName -}}
{{- $problems = append $problems (printf "kafka.tls.secretName: needs kafka.securityProtocol SSL or SASL_SSL (is %s)" $v.kafka.securityProtocol) -}}
{{- end -}}
{{- if ne (empty $v.kafka.tls.certKey) (empty $v.kafka.tls.keyKey) -}}
{{- $problems = append $problems "kafka.tls.certKey, kafka.tls.keyKey: mutual TLS takes both or neither" -}}
{{- end -}}
{{- if and $v.kafka.tls.certKey (not $v.kafka.tls.secretName) -}}
{{- $problems = append $problems "kafka.tls.secretName: is required with kafka.tls.certKey" -}}
{{- end -}}
{{- if and (eq $v.database.sslMode "disable") $v.database.tls.secretName -}}
{{- $problems = append $problems "database.tls.secretName: needs database.sslMode require, verify-ca or verify-full" -}}
{{- end -}}
{{- if ne (empty $v.database.tls.certKey) (empty $v.database.tls.keyKey) -}}
{{- $problems = append $problems "database.tls.certKey, database.tls.keyKey: a client certificate takes both or neither" -}}
{{- end -}}
{{- range $service := splitList " " (include "cart-recovery.services" .) -}}
{{- $s := index $v $service -}}
{{- if and $s.enabled (ne $v.autoscaling.mode "none") (gt (int $s.autoscaling.maxReplicas) (int $v.topics.partitions)) -}}
{{- $problems = append $problems (printf "%s.autoscaling.maxReplicas: %d is more than topics.partitions (%d): the instances above it would get no partition" $service (int $s.autoscaling.maxReplicas) (int $v.topics.partitions)) -}}
{{- end -}}
{{- if and $s.enabled (ne $v.autoscaling.mode "none") (lt (int $s.autoscaling.maxReplicas) (int $s.autoscaling.minReplicas)) -}}
{{- $problems = append $problems (printf "%s.autoscaling.maxReplicas: is below minReplicas" $service) -}}
{{- end -}}
{{- if and $s.enabled $s.terminationGracePeriodSeconds (le (mul (int $s.terminationGracePeriodSeconds) 1000) (add (int (include "cart-recovery.shutdownTimeoutMs" (list $ $service))) (mul (int $s.preStopSleepSeconds) 1000))) -}}
{{- $problems = append $problems (printf "%s.terminationGracePeriodSeconds: must be longer than SHUTDOWN_TIMEOUT_MS plus preStopSleepSeconds" $service) -}}
{{- end -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n  - %s" (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}

{{- define "cart-recovery.shutdownTimeoutMs" -}}
{{- $root := index . 0 -}}
{{- $s := index $root.Values (index . 1) -}}
{{- int (default (default $root.Values.config.shutdownTimeoutMs (index $root.Values.config.env "SHUTDOWN_TIMEOUT_MS")) (index $s.env "SHUTDOWN_TIMEOUT_MS")) -}}
{{- end -}}

{{- define "cart-recovery.terminationGracePeriodSeconds" -}}
{{- $root := index . 0 -}}
{{- $s := index $root.Values (index . 1) -}}
{{- if $s.terminationGracePeriodSeconds -}}
{{- int $s.terminationGracePeriodSeconds -}}
{{- else -}}
{{- add (div (add (int (include "cart-recovery.shutdownTimeoutMs" .)) 999) 1000) (int $s.preStopSleepSeconds) 10 -}}
{{- end -}}
{{- end -}}

{{/* Topic name with the prefix. (list $ "send-due") */}}
{{- define "cart-recovery.topic" -}}
{{- printf "%s%s" (index . 0).Values.kafka.topicPrefix (index . 1) -}}
{{- end -}}

{{/*
The consumer groups a service's instances share and the topics each reads (the code's
defaults: apps/<name>/src/config.ts), as JSON [{group, topics}]: what KEDA scales on. Ingest's
store-settings reader is left out: its group is per instance (every instance reads it all).
*/}}
{{- define "cart-recovery.consumerGroups" -}}
{{- $root := index . 0 -}}
{{- $service := index . 1 -}}
{{- $env := (index $root.Values $service).env -}}
{{- $t := dict "root" $root -}}
{{- if eq $service "ingest" -}}
{{- $topics := list (include "cart-recovery.topic" (list $root "cart-events-raw")) -}}
{{- range (splitList "," (default "" $env.INGEST_EXTRA_SOURCE_TOPICS)) -}}{{- if trim . -}}{{- $topics = append $topics (include "cart-recovery.topic" (list $root (trim .))) -}}{{- end -}}{{- end -}}
{{- list (dict "group" (default "ingest" $env.INGEST_GROUP_ID) "topics" $topics) | toJson -}}
{{- else if eq $service "scheduler" -}}
{{- $topics := list (include "cart-recovery.topic" (list $root "cart-events")) (include "cart-recovery.topic" (list $root "store-settings")) (include "cart-recovery.topic" (list $root "message-outcomes")) (include "cart-recovery.topic" (list $root "link-clicks")) -}}
{{- /* Erasure requests are read only by a service holding the erasure hash key. */ -}}
{{- if has "ERASURE_HASH_KEY" (splitList " " (include "cart-recovery.secretVariables" (list $root $service))) -}}{{- $topics = append $topics (include "cart-recovery.topic" (list $root "erasure-requests")) -}}{{- end -}}
{{- list (dict "group" (default "scheduler" $env.SCHEDULER_GROUP_ID) "topics" $topics) | toJson -}}
{{- else -}}
{{- $facts := list (include "cart-recovery.topic" (list $root "store-settings")) (include "cart-recovery.topic" (list $root "cart-events")) (include "cart-recovery.topic" (list $root "message-outcomes")) -}}
{{- if has "ERASURE_HASH_KEY" (splitList " " (include "cart-recovery.secretVariables" (list $root $service))) -}}{{- $facts = append $facts (include "cart-recovery.topic" (list $root "erasure-requests")) -}}{{- end -}}
{{- list (dict "group" (default "sender" $env.SENDER_GROUP_ID) "topics" (list (include "cart-recovery.topic" (list $root "send-due")))) (dict "group" (default "sender-facts" $env.SENDER_FACTS_GROUP_ID) "topics" $facts) | toJson -}}
{{- end -}}
{{- end -}}

{{/*
The plain variables of a service (its ConfigMap): the connection settings from the values,
the secret variables as <NAME>_FILE paths, then config.env and the service's own env.
*/}}
{{- define "cart-recovery.plainEnv" -}}
{{- $root := index . 0 -}}
{{- $service := index . 1 -}}
{{- $v := $root.Values -}}
{{- $s := index $v $service -}}
{{- $k := $v.kafka -}}
{{- $env := dict "KAFKA_BROKERS" (join "," $k.brokers) "KAFKA_SECURITY_PROTOCOL" $k.securityProtocol -}}
{{- if $k.topicPrefix -}}{{- $_ := set $env "TOPIC_PREFIX" $k.topicPrefix -}}{{- end -}}
{{- if hasPrefix "SASL_" $k.securityProtocol -}}
{{- $_ := set $env "KAFKA_SASL_MECHANISM" $k.sasl.mechanism -}}
{{- if include "cart-recovery.kafkaUsesPassword" $root -}}{{- $_ := set $env "KAFKA_SASL_USERNAME" $k.sasl.username -}}{{- end -}}
{{- if include "cart-recovery.oauthbearer" $root -}}{{- $_ := set $env "KAFKA_SASL_OAUTHBEARER_TOKEN_FILE" (include "cart-recovery.oauthTokenFile" $root) -}}{{- end -}}
{{- end -}}
{{- if include "cart-recovery.kafkaUsesTls" $root -}}
{{- $_ := set $env "KAFKA_SSL_REJECT_UNAUTHORIZED" (toString $k.tls.rejectUnauthorized) -}}
{{- if and $k.tls.secretName $k.tls.caKey -}}{{- $_ := set $env "KAFKA_SSL_CA_FILE" (printf "/etc/cart-recovery/kafka-tls/%s" $k.tls.caKey) -}}{{- end -}}
{{- if $k.tls.certKey -}}
{{- $_ := set $env "KAFKA_SSL_CERT_FILE" (printf "/etc/cart-recovery/kafka-tls/%s" $k.tls.certKey) -}}
{{- $_ := set $env "KAFKA_SSL_KEY_FILE" (printf "/etc/cart-recovery/kafka-tls/%s" $k.tls.keyKey) -}}
{{- end -}}
{{- end -}}
{{- $db := $v.database -}}
{{- $_ := set $env "DATABASE_SSL_MODE" $db.sslMode -}}
{{- if and (ne $db.sslMode "disable") $db.tls.secretName -}}
{{- if $db.tls.caKey -}}{{- $_ := set $env "DATABASE_SSL_CA_FILE" (printf "/etc/cart-recovery/database-tls/%s" $db.tls.caKey) -}}{{- end -}}
{{- if $db.tls.certKey -}}
{{- $_ := set $env "DATABASE_SSL_CERT_FILE" (printf "/etc/cart-recovery/database-tls/%s" $db.tls.certKey) -}}
{{- $_ := set $env "DATABASE_SSL_KEY_FILE" (printf "/etc/cart-recovery/database-tls/%s" $db.tls.keyKey) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $env "DATABASE_POOL_SIZE" (toString (int $db.poolSize)) -}}
{{- $_ := set $env "MIGRATIONS_RUN" (ternary "false" "true" (eq $v.migrations.mode "hook")) -}}
{{- $_ := set $env "HTTP_HOST" "0.0.0.0" -}}
{{- $_ := set $env "HTTP_PORT" (toString (int $s.httpPort)) -}}
{{- $_ := set $env "LOG_LEVEL" $v.config.logLevel -}}
{{- $_ := set $env "SHUTDOWN_TIMEOUT_MS" (toString (int $v.config.shutdownTimeoutMs)) -}}
{{- range (splitList " " (include "cart-recovery.secretVariables" (list $root $service))) -}}
{{- if . -}}{{- $_ := set $env (printf "%s_FILE" .) (printf "/etc/cart-recovery/secrets/%s" .) -}}{{- end -}}
{{- end -}}
{{- if eq $service "ingest" -}}
{{- /* The console's stats and recent messages, and the access requests, are asked of the
scheduler's and the sender's Services (ingest.env may point elsewhere). */ -}}
{{- $scheduler := printf "http://%s:%d/" (include "cart-recovery.componentName" (list $root "scheduler")) (int $v.scheduler.httpPort) -}}
{{- $sender := printf "http://%s:%d/" (include "cart-recovery.componentName" (list $root "sender")) (int $v.sender.httpPort) -}}
{{- $_ := set $env "CONSOLE_SCHEDULER_URL" $scheduler -}}
{{- $_ := set $env "SHOPPER_DATA_SCHEDULER_URL" $scheduler -}}
{{- $_ := set $env "CONSOLE_SENDER_URL" $sender -}}
{{- $_ := set $env "SHOPPER_DATA_SENDER_URL" $sender -}}
{{- end -}}
{{- range $name, $value := $v.config.env -}}{{- $_ := set $env $name (toString $value) -}}{{- end -}}
{{- range $name, $value := $s.env -}}{{- $_ := set $env $name (toString $value) -}}{{- end -}}
{{- toJson $env -}}
{{- end -}}

{{/* Volumes a service's pods (and its migration Job) mount: secrets, TLS files, token, /tmp. */}}
{{- define "cart-recovery.volumes" -}}
{{- $root := index . 0 -}}
{{- $service := index . 1 -}}
{{- $v := $root.Values -}}
{{- $secretVars := splitList " " (include "cart-recovery.secretVariables" (list $root $service)) | compact -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- if $secretVars }}
- name: secrets
  secret:
    secretName: {{ include "cart-recovery.secretName" $root }}
    defaultMode: 0440
    items:
      {{- range $secretVars }}
      - key: {{ . }}
        path: {{ . }}
      {{- end }}
{{- end }}
{{- if and (include "cart-recovery.kafkaUsesTls" $root) $v.kafka.tls.secretName }}
- name: kafka-tls
  secret:
    secretName: {{ $v.kafka.tls.secretName }}
    defaultMode: 0440
{{- end }}
{{- if and (ne $v.database.sslMode "disable") $v.database.tls.secretName }}
- name: database-tls
  secret:
    secretName: {{ $v.database.tls.secretName }}
    defaultMode: 0440
{{- end }}
{{- if and (include "cart-recovery.oauthbearer" $root) $v.kafka.sasl.oauthbearer.serviceAccountToken.enabled }}
- name: kafka-token
  projected:
    defaultMode: 0440
    sources:
      - serviceAccountToken:
          path: token
          audience: {{ $v.kafka.sasl.oauthbearer.serviceAccountToken.audience }}
          expirationSeconds: {{ int $v.kafka.sasl.oauthbearer.serviceAccountToken.expirationSeconds }}
{{- end }}
{{- end -}}

{{- define "cart-recovery.volumeMounts" -}}
{{- $root := index . 0 -}}
{{- $service := index . 1 -}}
{{- $v := $root.Values -}}
- name: tmp
  mountPath: /tmp
{{- if include "cart-recovery.secretVariables" (list $root $service) }}
- name: secrets
  mountPath: /etc/cart-recovery/secrets
  readOnly: true
{{- end }}
{{- if and (include "cart-recovery.kafkaUsesTls" $root) $v.kafka.tls.secretName }}
- name: kafka-tls
  mountPath: /etc/cart-recovery/kafka-tls
  readOnly: true
{{- end }}
{{- if and (ne $v.database.sslMode "disable") $v.database.tls.secretName }}
- name: database-tls
  mountPath: /etc/cart-recovery/database-tls
  readOnly: true
{{- end }}
{{- if and (include "cart-recovery.oauthbearer" $root) $v.kafka.sasl.oauthbearer.serviceAccountToken.enabled }}
- name: kafka-token
  mountPath: /var/run/secrets/cart-recovery/kafka-token
  readOnly: true
{{- end }}
{{- end -}}
