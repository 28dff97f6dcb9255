# ---------------------------------------------------------------------------------------------------------------------
# Project and placement
# ---------------------------------------------------------------------------------------------------------------------

variable "project_id" {
  type        = string
  description = "ID of the Google Cloud project that receives the functions, topics, Firestore database and conversation profile."

  validation {
    condition     = can(regex("^([a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID such as \"my-project-123\" (6 to 30 lowercase letters, digits or hyphens)."
  }
}

variable "region" {
  type        = string
  description = "Region of the Cloud Functions, their Cloud Run services and the source bucket, such as \"us-central1\"."
  default     = "us-central1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as \"us-central1\" or \"europe-west1\", not a zone or a multi-region."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels added to every resource that takes labels (through the provider's default_labels)."
  default     = {}

  validation {
    condition     = alltrue([for key, value in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", key)) && can(regex("^[a-z0-9_-]{0,63}$", value))])
    error_message = "labels keys must start with a lowercase letter and keys and values may only hold lowercase letters, digits, \"_\" and \"-\" (at most 63 characters)."
  }
}

variable "source_bucket_name" {
  type        = string
  description = "Name of the Cloud Storage bucket that holds the functions' source zips; null means \"<project_id>-<name_prefix>-history-sources\"."
  default     = null

  validation {
    condition     = var.source_bucket_name == null || can(regex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", var.source_bucket_name))
    error_message = "source_bucket_name must be a bucket name of 3 to 63 lowercase letters, digits, dots, underscores or hyphens."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every name this deployment chooses (accounts, topics, subscriptions, functions, secret, bucket, repository, profile, metric, alerts), such as \"dev\", so that several environments share one project; empty keeps the bare names."
  default     = ""

  validation {
    # Service account IDs hold at most 30 characters: the prefix, a hyphen and the longest base name (21) fit.
    condition     = can(regex("^([a-z]([a-z0-9-]{0,6}[a-z0-9])?)?$", var.name_prefix))
    error_message = "name_prefix must be empty or 1 to 8 lowercase letters, digits or inner hyphens, starting with a letter, such as \"dev\" or \"prod-eu\"."
  }
}

variable "iam_propagation_wait_seconds" {
  type        = number
  description = "Seconds to wait after the grants before building the functions and creating the push subscriptions, since Google documents that a grant takes about 2 minutes, sometimes 7 or more, to take effect."
  default     = 120

  validation {
    condition     = var.iam_propagation_wait_seconds >= 0 && var.iam_propagation_wait_seconds <= 900 && floor(var.iam_propagation_wait_seconds) == var.iam_propagation_wait_seconds
    error_message = "iam_propagation_wait_seconds must be a whole number from 0 to 900."
  }
}

variable "api_propagation_wait_seconds" {
  type        = number
  description = "Seconds to wait after enabling the APIs before creating anything that calls them: an API enabled a moment ago can still answer 403 SERVICE_DISABLED (\"If you enabled this API recently, wait a few minutes\"), and the provider does not retry that."
  default     = 60

  validation {
    condition     = var.api_propagation_wait_seconds >= 0 && var.api_propagation_wait_seconds <= 900 && floor(var.api_propagation_wait_seconds) == var.api_propagation_wait_seconds
    error_message = "api_propagation_wait_seconds must be a whole number from 0 to 900."
  }
}

variable "service_agent_propagation_wait_seconds" {
  type        = number
  description = "Seconds to wait after creating the Pub/Sub and Dialogflow service agents before granting them roles: IAM refuses a member that does not exist yet everywhere (hashicorp/terraform-provider-google issue 21931), and the provider retries a grant only when the policy's etag changed."
  default     = 60

  validation {
    condition     = var.service_agent_propagation_wait_seconds >= 0 && var.service_agent_propagation_wait_seconds <= 900 && floor(var.service_agent_propagation_wait_seconds) == var.service_agent_propagation_wait_seconds
    error_message = "service_agent_propagation_wait_seconds must be a whole number from 0 to 900."
  }
}

variable "metric_propagation_wait_seconds" {
  type        = number
  description = "Seconds to wait after creating the log-based metrics before creating the alert policies on them (beside the function builds), since Cloud Monitoring answers 404 for a user metric created within the last minutes (\"it could take up to 10 minutes to become available\", hashicorp/terraform-provider-google issue 11102) and the provider retries alert creation only on concurrent edits."
  default     = 600

  validation {
    condition     = var.metric_propagation_wait_seconds >= 0 && var.metric_propagation_wait_seconds <= 1800 && floor(var.metric_propagation_wait_seconds) == var.metric_propagation_wait_seconds
    error_message = "metric_propagation_wait_seconds must be a whole number from 0 to 1800."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Pub/Sub
# ---------------------------------------------------------------------------------------------------------------------

variable "lifecycle_topic_name" {
  type        = string
  description = "Name of the topic the conversation profile's notification_config publishes lifecycle events to."
  default     = "dialogflow-conversation-lifecycle-events"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$", var.lifecycle_topic_name)) && !startswith(lower(var.lifecycle_topic_name), "goog")
    error_message = "lifecycle_topic_name must be 3 to 255 characters, start with a letter, not start with \"goog\", and hold only letters, digits and - _ . ~ + %."
  }
}

variable "message_topic_name" {
  type        = string
  description = "Name of the topic the conversation profile's new_message_event_notification_config publishes NEW_MESSAGE events to."
  default     = "dialogflow-conversation-message-events"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$", var.message_topic_name)) && !startswith(lower(var.message_topic_name), "goog")
    error_message = "message_topic_name must be 3 to 255 characters, start with a letter, not start with \"goog\", and hold only letters, digits and - _ . ~ + %."
  }
}

variable "recognition_result_topic_name" {
  type        = string
  description = "Name of the topic the conversation profile's new_recognition_result_notification_config publishes NEW_RECOGNITION_RESULT events to."
  default     = "dialogflow-conversation-recognition-results"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$", var.recognition_result_topic_name)) && !startswith(lower(var.recognition_result_topic_name), "goog")
    error_message = "recognition_result_topic_name must be 3 to 255 characters, start with a letter, not start with \"goog\", and hold only letters, digits and - _ . ~ + %."
  }
}

variable "dead_letter_topic_name" {
  type        = string
  description = "Name of the topic that receives deliveries the ingest functions failed to take after max_delivery_attempts."
  default     = "dialogflow-conversation-events-dead-letter"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9._~+%-]{2,249}$", var.dead_letter_topic_name)) && !startswith(lower(var.dead_letter_topic_name), "goog")
    error_message = "dead_letter_topic_name must be 3 to 250 characters (its subscription adds \"-pull\"), start with a letter, not start with \"goog\", and hold only letters, digits and - _ . ~ + %."
  }
}

variable "event_publishers" {
  type        = list(string)
  description = "Principals, besides Dialogflow's service agent, allowed to publish to both event topics: the application's service accounts that call Dialogflow, which a chat integration needs (\"serviceAccount:…\")."
  default     = []

  validation {
    condition     = alltrue([for member in var.event_publishers : can(regex("^(serviceAccount|user|group|principal|principalSet):[^\\s]+$", member))])
    error_message = "event_publishers entries must look like \"serviceAccount:app@my-project.iam.gserviceaccount.com\" (or user:, group:, principal:, principalSet:)."
  }
  validation {
    condition     = alltrue([for member in var.event_publishers : !contains(["allusers", "allauthenticatedusers"], lower(trimspace(member)))])
    error_message = "event_publishers must not hold allUsers or allAuthenticatedUsers: anyone could then write conversation history."
  }
}

variable "max_delivery_attempts" {
  type        = number
  description = "Deliveries of one message Pub/Sub attempts before it moves the message to the dead-letter topic."
  default     = 10

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100 && floor(var.max_delivery_attempts) == var.max_delivery_attempts
    error_message = "max_delivery_attempts must be a whole number from 5 to 100 (Pub/Sub's limits)."
  }
}

variable "push_retry_minimum_backoff_seconds" {
  type        = number
  description = "Shortest wait, in seconds, before Pub/Sub redelivers a message an ingest function refused."
  default     = 10

  validation {
    condition     = var.push_retry_minimum_backoff_seconds >= 0 && var.push_retry_minimum_backoff_seconds <= 600
    error_message = "push_retry_minimum_backoff_seconds must be from 0 to 600."
  }
}

variable "push_retry_maximum_backoff_seconds" {
  type        = number
  description = "Longest wait, in seconds, before Pub/Sub redelivers a message an ingest function refused."
  default     = 600

  validation {
    condition     = var.push_retry_maximum_backoff_seconds >= 0 && var.push_retry_maximum_backoff_seconds <= 600
    error_message = "push_retry_maximum_backoff_seconds must be from 0 to 600."
  }
}

variable "push_ack_deadline_margin_seconds" {
  type        = number
  description = "Seconds the push subscriptions' ack deadline (the push request timeout) exceeds the ingest functions' timeout."
  default     = 30

  validation {
    condition     = var.push_ack_deadline_margin_seconds >= 10 && var.push_ack_deadline_margin_seconds <= 60 && floor(var.push_ack_deadline_margin_seconds) == var.push_ack_deadline_margin_seconds
    error_message = "push_ack_deadline_margin_seconds must be a whole number from 10 to 60, so that the ack deadline (timeout + margin) stays above the timeout and at most 600."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------------------------------------------------

variable "ingest_function_limits" {
  type = object({
    timeout_seconds                  = optional(number, 60)
    min_instance_count               = optional(number, 0)
    max_instance_count               = optional(number, 20)
    max_instance_request_concurrency = optional(number, 80)
    available_memory                 = optional(string, "512Mi")
    available_cpu                    = optional(string, "1")
  })
  description = "Timeout, scaling, concurrency, memory and CPU of each of the lifecycle and message ingest functions."
  default     = {}

  validation {
    condition     = var.ingest_function_limits.timeout_seconds >= 1 && var.ingest_function_limits.timeout_seconds <= 540
    error_message = "ingest_function_limits.timeout_seconds must be from 1 to 540: the push ack deadline (timeout + margin) must stay at most 600 seconds."
  }
  validation {
    condition     = var.ingest_function_limits.max_instance_count >= 1 && var.ingest_function_limits.min_instance_count >= 0 && var.ingest_function_limits.min_instance_count <= var.ingest_function_limits.max_instance_count
    error_message = "ingest_function_limits needs max_instance_count >= 1 and 0 <= min_instance_count <= max_instance_count."
  }
  validation {
    condition     = var.ingest_function_limits.max_instance_request_concurrency >= 1 && var.ingest_function_limits.max_instance_request_concurrency <= 1000
    error_message = "ingest_function_limits.max_instance_request_concurrency must be from 1 to 1000."
  }
  validation {
    condition     = var.ingest_function_limits.max_instance_request_concurrency == 1 || try(tonumber(var.ingest_function_limits.available_cpu), 0) >= 1
    error_message = "ingest_function_limits: a max_instance_request_concurrency above 1 needs available_cpu of at least \"1\"."
  }
  validation {
    condition     = can(regex("^[0-9]+(\\.[0-9]+)?$", var.ingest_function_limits.available_cpu)) && can(regex("^[0-9]+(Mi|Gi|M|G)$", var.ingest_function_limits.available_memory))
    error_message = "ingest_function_limits needs available_cpu as a number such as \"1\" and available_memory such as \"512Mi\" or \"1Gi\"."
  }
}

variable "recognition_result_function_limits" {
  type = object({
    timeout_seconds                  = optional(number, 60)
    min_instance_count               = optional(number, 0)
    max_instance_count               = optional(number, 20)
    max_instance_request_concurrency = optional(number, 80)
    available_memory                 = optional(string, "512Mi")
    available_cpu                    = optional(string, "1")
  })
  description = "Timeout, scaling, concurrency, memory and CPU of ingest-recognition-results, which takes NEW_RECOGNITION_RESULT events apart from the messages."
  default     = {}

  validation {
    condition     = var.recognition_result_function_limits.timeout_seconds >= 1 && var.recognition_result_function_limits.timeout_seconds <= 540
    error_message = "recognition_result_function_limits.timeout_seconds must be from 1 to 540: the push ack deadline (timeout + margin) must stay at most 600 seconds."
  }
  validation {
    condition     = var.recognition_result_function_limits.max_instance_count >= 1 && var.recognition_result_function_limits.min_instance_count >= 0 && var.recognition_result_function_limits.min_instance_count <= var.recognition_result_function_limits.max_instance_count
    error_message = "recognition_result_function_limits needs max_instance_count >= 1 and 0 <= min_instance_count <= max_instance_count."
  }
  validation {
    condition     = var.recognition_result_function_limits.max_instance_request_concurrency >= 1 && var.recognition_result_function_limits.max_instance_request_concurrency <= 1000
    error_message = "recognition_result_function_limits.max_instance_request_concurrency must be from 1 to 1000."
  }
  validation {
    condition     = var.recognition_result_function_limits.max_instance_request_concurrency == 1 || try(tonumber(var.recognition_result_function_limits.available_cpu), 0) >= 1
    error_message = "recognition_result_function_limits: a max_instance_request_concurrency above 1 needs available_cpu of at least \"1\"."
  }
  validation {
    condition     = can(regex("^[0-9]+(\\.[0-9]+)?$", var.recognition_result_function_limits.available_cpu)) && can(regex("^[0-9]+(Mi|Gi|M|G)$", var.recognition_result_function_limits.available_memory))
    error_message = "recognition_result_function_limits needs available_cpu as a number such as \"1\" and available_memory such as \"512Mi\" or \"1Gi\"."
  }
}

variable "known_conversations_capacity" {
  type        = number
  description = "Conversations each ingest instance remembers having checked (exist, not erased), about 190 bytes each; a forgotten one costs a refused create and a read."
  default     = 50000

  validation {
    condition     = var.known_conversations_capacity >= 100 && var.known_conversations_capacity <= 10000000 && floor(var.known_conversations_capacity) == var.known_conversations_capacity
    error_message = "known_conversations_capacity must be a whole number from 100 to 10000000."
  }
}

variable "erasure_sweep_schedule" {
  type        = string
  description = "Cron schedule (UTC) of the erasure sweep, which deletes what late deliveries wrote under conversations erased in the last 30 minutes."
  default     = "*/10 * * * *"

  validation {
    condition     = length(split(" ", trimspace(var.erasure_sweep_schedule))) == 5
    error_message = "erasure_sweep_schedule must be a cron expression of five fields, such as \"*/10 * * * *\"."
  }
}

variable "history_function_limits" {
  type = object({
    timeout_seconds                  = optional(number, 60)
    min_instance_count               = optional(number, 0)
    max_instance_count               = optional(number, 10)
    max_instance_request_concurrency = optional(number, 80)
    available_memory                 = optional(string, "512Mi")
    available_cpu                    = optional(string, "1")
  })
  description = "Timeout, scaling, concurrency, memory and CPU of the history API function."
  default     = {}

  validation {
    condition     = var.history_function_limits.timeout_seconds >= 1 && var.history_function_limits.timeout_seconds <= 540
    error_message = "history_function_limits.timeout_seconds must be from 1 to 540."
  }
  validation {
    condition     = var.history_function_limits.max_instance_count >= 1 && var.history_function_limits.min_instance_count >= 0 && var.history_function_limits.min_instance_count <= var.history_function_limits.max_instance_count
    error_message = "history_function_limits needs max_instance_count >= 1 and 0 <= min_instance_count <= max_instance_count."
  }
  validation {
    condition     = var.history_function_limits.max_instance_request_concurrency >= 1 && var.history_function_limits.max_instance_request_concurrency <= 1000
    error_message = "history_function_limits.max_instance_request_concurrency must be from 1 to 1000."
  }
  validation {
    condition     = var.history_function_limits.max_instance_request_concurrency == 1 || try(tonumber(var.history_function_limits.available_cpu), 0) >= 1
    error_message = "history_function_limits: a max_instance_request_concurrency above 1 needs available_cpu of at least \"1\"."
  }
  validation {
    condition     = can(regex("^[0-9]+(\\.[0-9]+)?$", var.history_function_limits.available_cpu)) && can(regex("^[0-9]+(Mi|Gi|M|G)$", var.history_function_limits.available_memory))
    error_message = "history_function_limits needs available_cpu as a number such as \"1\" and available_memory such as \"512Mi\" or \"1Gi\"."
  }
}

variable "ingest_ingress_settings" {
  type        = string
  description = "Network ingress of the ingest functions; ALLOW_INTERNAL_ONLY still admits Pub/Sub push from this project."
  default     = "ALLOW_INTERNAL_ONLY"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.ingest_ingress_settings)
    error_message = "ingest_ingress_settings must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "history_ingress_settings" {
  type        = string
  description = "Network ingress of the history API function; IAM (history_invokers) decides who may call it either way."
  default     = "ALLOW_ALL"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.history_ingress_settings)
    error_message = "history_ingress_settings must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "history_invokers" {
  type        = list(string)
  description = "IAM principals (\"user:…\", \"group:…\", \"serviceAccount:…\", \"domain:…\") allowed to call the history API."
  default     = []

  validation {
    condition     = alltrue([for member in var.history_invokers : !contains(["allusers", "allauthenticatedusers"], lower(trimspace(member)))])
    error_message = "history_invokers must not hold allUsers or allAuthenticatedUsers: conversation history is end-user PII."
  }
  validation {
    condition     = alltrue([for member in var.history_invokers : can(regex("^(user|group|serviceAccount|domain|principal|principalSet):[^\\s]+$", member))])
    error_message = "history_invokers entries must look like \"user:alice@example.com\", \"group:…\", \"serviceAccount:…\", \"domain:…\", \"principal:…\" or \"principalSet:…\"."
  }
}

variable "history_erasers" {
  type        = list(string)
  description = "Principals (\"user:…\" or \"serviceAccount:…\") allowed to erase conversations (DELETE, npm run erase), besides reading: privacy officers, and the tools that carry out erasure requests; none means every erasure is refused."
  default     = []

  validation {
    condition     = alltrue([for member in var.history_erasers : can(regex("^(user|serviceAccount):[^\\s@]+@[^\\s]+$", member))])
    error_message = "history_erasers entries must be \"user:alice@example.com\" or \"serviceAccount:…\": erasure is checked against the email in the caller's token, which a group does not have."
  }
}

variable "history_accept_gcloud_identity_tokens" {
  type        = bool
  description = "Whether the history API also accepts the identity tokens gcloud mints for a person (audience 32555940559.apps.googleusercontent.com), which gcloud run services proxy sends, so that people open the viewer through it; the email check applies to them as to every token."
  default     = true
}

variable "history_audiences" {
  type        = list(string)
  description = "Audiences the history API (and the erasure function, for DELETEs passed on) accept besides the history URL and gcloud's client ID, such as the URL of a custom domain or load balancer in front of it; never taken from the request."
  default     = []

  validation {
    condition     = alltrue([for audience in var.history_audiences : can(regex("^(https://[^\\s,]+|[0-9]+(-[a-z0-9]+)?\\.apps\\.googleusercontent\\.com)$", audience))])
    error_message = "history_audiences entries must be https:// URLs or OAuth client IDs (such as 1234-abc.apps.googleusercontent.com)."
  }
}

variable "history_allowed_emails" {
  type        = list(string)
  description = "Emails whose Google ID tokens the history API accepts (checked in code behind Cloud Run's IAM); null derives them from the user: and serviceAccount: members of history_invokers."
  default     = null

  validation {
    condition     = var.history_allowed_emails == null ? true : alltrue([for email in var.history_allowed_emails : can(regex("^[^\\s@,]+@[^\\s@,]+$", email))])
    error_message = "history_allowed_emails must hold plain email addresses, such as reporting@my-project.iam.gserviceaccount.com."
  }
}

variable "history_cors_allowed_origins" {
  type        = list(string)
  description = "Browser origins (such as https://console.example.com) allowed to call the history API from a web page; none by default."
  default     = []

  validation {
    condition     = alltrue([for origin in var.history_cors_allowed_origins : can(regex("^https?://[^\\s,/]+$", origin))])
    error_message = "history_cors_allowed_origins entries must be origins: scheme and host, no path, such as https://console.example.com."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# What the functions read (shared/platform/config.ts)
# ---------------------------------------------------------------------------------------------------------------------

variable "firestore_deadline_ms" {
  type        = number
  description = "Milliseconds after which a Firestore call is abandoned and answered 503 (FIRESTORE_DEADLINE_MS)."
  default     = 10000

  validation {
    condition     = var.firestore_deadline_ms >= 100 && var.firestore_deadline_ms <= 120000 && floor(var.firestore_deadline_ms) == var.firestore_deadline_ms
    error_message = "firestore_deadline_ms must be a whole number from 100 to 120000."
  }
}

variable "max_push_body_bytes" {
  type        = number
  description = "Largest push body, in bytes, the ingest functions accept (MAX_PUSH_BODY_BYTES)."
  default     = 921600

  validation {
    condition     = var.max_push_body_bytes >= 1024 && var.max_push_body_bytes <= 1000000 && floor(var.max_push_body_bytes) == var.max_push_body_bytes
    error_message = "max_push_body_bytes must be a whole number from 1024 to 1000000: a refused body must fit whole in one quarantine document."
  }
}

variable "retention_days" {
  type        = number
  description = "Days stored documents are kept through Firestore TTL on expireAt; 0 keeps everything forever (RETENTION_DAYS)."
  default     = 0

  validation {
    condition     = var.retention_days >= 0 && var.retention_days <= 36500 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days must be a whole number from 0 (keep forever) to 36500."
  }
}

variable "log_level" {
  type        = string
  description = "Lowest severity the functions log (LOG_LEVEL)."
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "NOTICE", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, NOTICE, WARNING or ERROR."
  }
}

variable "served_projects" {
  type        = list(string)
  description = "Project IDs whose history the history API serves, or [\"*\"] for all; empty means project_id only (SERVED_PROJECTS)."
  default     = []

  validation {
    condition     = join(",", var.served_projects) == "*" || alltrue([for project in var.served_projects : can(regex("^[a-z][a-z0-9-:.]{3,62}$", project))])
    error_message = "served_projects must be [\"*\"] or a list of project IDs."
  }
}

variable "page_token_secret_id" {
  type        = string
  description = "Secret Manager secret ID that holds the key signing the history API's page tokens (PAGE_TOKEN_SECRET)."
  default     = "conversation-history-page-token"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.page_token_secret_id))
    error_message = "page_token_secret_id must be 1 to 255 letters, digits, underscores or hyphens."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Firestore
# ---------------------------------------------------------------------------------------------------------------------

variable "firestore_database_id" {
  type        = string
  description = "ID of the Firestore database the functions use (FIRESTORE_DATABASE_ID)."
  default     = "(default)"

  validation {
    condition     = can(regex("^(\\(default\\)|[a-z][a-z0-9-]{2,62})$", var.firestore_database_id))
    error_message = "firestore_database_id must be \"(default)\" or 3 to 63 lowercase letters, digits or hyphens starting with a letter."
  }
}

variable "create_firestore_database" {
  type        = bool
  description = "Whether to create the Firestore database; false uses an existing database named firestore_database_id."
  default     = true
}

variable "firestore_location" {
  type        = string
  description = "Location of a created Firestore database (such as \"nam5\", \"eur3\" or a region); null means the region variable."
  default     = null

  validation {
    condition     = var.firestore_location == null || can(regex("^([a-z]+[0-9]+|[a-z]+-[a-z]+[0-9]+)$", var.firestore_location))
    error_message = "firestore_location must be a multi-region such as \"nam5\" or \"eur3\" or a region such as \"us-central1\"."
  }
}

variable "firestore_delete_protection" {
  type        = bool
  description = "Whether a created Firestore database refuses deletion until this is turned off."
  default     = true
}

variable "firestore_deletion_policy" {
  type        = string
  description = "What `terraform destroy` does to a created Firestore database: ABANDON leaves it and its data, DELETE deletes it."
  default     = "ABANDON"

  validation {
    condition     = contains(["ABANDON", "DELETE"], var.firestore_deletion_policy)
    error_message = "firestore_deletion_policy must be ABANDON or DELETE."
  }
}

variable "firestore_point_in_time_recovery" {
  type        = bool
  description = "Whether a created Firestore database keeps 7 days of versions to read or restore from (point-in-time recovery)."
  default     = true
}

variable "firestore_backup_retention_days" {
  type        = number
  description = "Days each daily Firestore backup is kept (at most 98, Firestore's limit); 0 takes no scheduled backups."
  default     = 14

  validation {
    condition     = var.firestore_backup_retention_days >= 0 && var.firestore_backup_retention_days <= 98 && floor(var.firestore_backup_retention_days) == var.firestore_backup_retention_days
    error_message = "firestore_backup_retention_days must be a whole number from 0 to 98 (14 weeks, Firestore's longest backup retention)."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Dialogflow
# ---------------------------------------------------------------------------------------------------------------------

variable "create_conversation_profile" {
  type        = bool
  description = "Whether to create a conversation profile that publishes to the topics; false lets you point an existing profile at them."
  default     = true
}

variable "conversation_profile_display_name" {
  type        = string
  description = "Display name of the created conversation profile."
  default     = "Conversation history"

  validation {
    condition     = length(trimspace(var.conversation_profile_display_name)) > 0 && length(var.conversation_profile_display_name) <= 1024
    error_message = "conversation_profile_display_name must not be blank and must be at most 1024 characters."
  }
}

variable "dialogflow_location" {
  type        = string
  description = "Dialogflow location of the conversation profile, created or existing, such as \"global\" or \"us-central1\": where the profile is created, where names without a location are taken to be, and what reconcile reads."
  default     = "global"

  validation {
    condition     = can(regex("^(global|[a-z]+-[a-z]+[0-9]+)$", var.dialogflow_location))
    error_message = "dialogflow_location must be \"global\" or a region such as \"us-central1\"."
  }
}

variable "dialogflow_language_code" {
  type        = string
  description = "BCP-47 language code of the created conversation profile, such as \"en-US\"."
  default     = "en-US"

  validation {
    condition     = can(regex("^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", var.dialogflow_language_code))
    error_message = "dialogflow_language_code must be a BCP-47 language code such as \"en-US\" or \"de\"."
  }
}

variable "dialogflow_agent" {
  type        = string
  description = "Agent (or agent environment) the created profile hands conversations to, as a resource name; empty means no automated agent."
  default     = ""

  validation {
    condition     = var.dialogflow_agent == "" || can(regex("^projects/[^/]+(/locations/[^/]+)?/(agent|agents/[^/]+)(/environments/[^/]+)?$", var.dialogflow_agent))
    error_message = "dialogflow_agent must be empty or a name such as \"projects/p/locations/global/agent\" or \"projects/p/locations/l/agents/a/environments/e\"."
  }
}

variable "publish_recognition_results" {
  type        = bool
  description = "Whether the created profile also publishes NEW_RECOGNITION_RESULT events (speech recognition results of voice conversations, kept under recognitionResults) to the recognition result topic."
  default     = false
}

# ---------------------------------------------------------------------------------------------------------------------
# Alerts
# ---------------------------------------------------------------------------------------------------------------------

variable "alert_emails" {
  type        = list(string)
  description = "Email addresses that receive the deployment's alerts (one Cloud Monitoring email channel each)."
  default     = []

  validation {
    condition     = alltrue([for email in var.alert_emails : can(regex("^[^\\s@,]+@[^\\s@,]+$", email))])
    error_message = "alert_emails must hold plain email addresses, such as oncall@example.com."
  }
}

variable "alert_notification_channels" {
  type        = list(string)
  description = "Existing Cloud Monitoring notification channels (\"projects/p/notificationChannels/123\", such as PagerDuty or Slack) that receive the alerts too."
  default     = []

  validation {
    condition     = alltrue([for channel in var.alert_notification_channels : can(regex("^projects/[^/]+/notificationChannels/[^/]+$", channel))])
    error_message = "alert_notification_channels entries must be channel names such as \"projects/my-project/notificationChannels/1234567890\"."
  }
}

variable "alert_oldest_unacked_message_age_seconds" {
  type        = number
  description = "Age, in seconds, of the oldest event a push subscription has not delivered yet above which an alert opens."
  default     = 900

  validation {
    condition     = var.alert_oldest_unacked_message_age_seconds >= 60
    error_message = "alert_oldest_unacked_message_age_seconds must be at least 60: retries alone wait up to push_retry_maximum_backoff_seconds."
  }
}

variable "alert_server_error_ratio" {
  type        = number
  description = "Share of a function's requests answered 5xx over 5 minutes above which an alert opens, such as 0.05 for 5 %."
  default     = 0.05

  validation {
    condition     = var.alert_server_error_ratio > 0 && var.alert_server_error_ratio < 1
    error_message = "alert_server_error_ratio must be between 0 and 1, such as 0.05."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Reconcile
# ---------------------------------------------------------------------------------------------------------------------

variable "reconcile" {
  type = object({
    schedule        = optional(string, "* * * * *")
    concurrency     = optional(number, 32)
    budget_seconds  = optional(number, 40)
    qps             = optional(number, 50)
    timeout_seconds = optional(number, 120)
  })
  description = "How often Cloud Scheduler runs reconcileConversations (cron, UTC), how many Dialogflow calls each run makes at once, how long a run keeps taking due conversations (its budget), the Dialogflow calls per second it keeps within (the project's quota; docs/scale.md), and its timeout."
  default     = {}

  validation {
    condition     = var.reconcile.concurrency >= 1 && var.reconcile.concurrency <= 256 && var.reconcile.qps >= 1 && var.reconcile.qps <= 1000
    error_message = "reconcile.concurrency must be from 1 to 256 and reconcile.qps from 1 to 1000."
  }
  validation {
    # After its budget a run finishes the calls under way (three attempts of at most 10 s, none begun past the
    # budget) and their writes: 30 s covers them.
    condition     = var.reconcile.timeout_seconds >= 60 && var.reconcile.timeout_seconds <= 1800 && var.reconcile.budget_seconds >= 1 && var.reconcile.budget_seconds + 30 <= var.reconcile.timeout_seconds
    error_message = "reconcile.timeout_seconds must be from 60 to 1800, and reconcile.budget_seconds at least 1 and 30 less than it, so that a run finishes in time."
  }
  validation {
    condition     = length(split(" ", trimspace(var.reconcile.schedule))) == 5
    error_message = "reconcile.schedule must be a cron expression of five fields, such as \"* * * * *\"."
  }
}

variable "alert_reconcile_backlog_age_seconds" {
  type        = number
  description = "Age, in seconds, of the oldest conversation still due for reconcile after a run above which an alert opens: reconcile is not keeping up (quota, outage, too small a budget)."
  default     = 3600

  validation {
    condition     = var.alert_reconcile_backlog_age_seconds >= 300
    error_message = "alert_reconcile_backlog_age_seconds must be at least 300: a run every minute leaves a backlog of a few minutes at peaks."
  }
}
