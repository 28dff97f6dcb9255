# ---------------------------------------------------------------------------------------------------------------------
# Alerts: where they go, and what opens them
# ---------------------------------------------------------------------------------------------------------------------

resource "google_monitoring_notification_channel" "email" {
  for_each = toset(var.alert_emails)

  project      = var.project_id
  display_name = "${local.alert_title_prefix}Conversation history alerts to ${each.value}"
  type         = "email"
  labels = {
    email_address = each.value
  }

  depends_on = [time_sleep.apis_enabled]
}

locals {
  alert_title_prefix    = var.name_prefix == "" ? "" : "[${var.name_prefix}] "
  notification_channels = concat([for channel in google_monitoring_notification_channel.email : channel.id], var.alert_notification_channels)

  # Cloud Monitoring filters name resources by their short names.
  push_subscription_names = [for key, _ in local.event_topics : google_pubsub_subscription.push[key].name]
  ingest_service_names    = [for key, topic in local.event_topics : local.function_names[topic.consumer]]
  all_service_names       = values(local.function_names)

  # `one_of("a", "b")` in Cloud Monitoring's filter syntax.
  push_subscriptions_filter = "one_of(${join(", ", [for name in local.push_subscription_names : jsonencode(name)])})"
  services_filter           = "one_of(${join(", ", [for name in local.all_service_names : jsonencode(name)])})"
  request_count_filter      = format("resource.type = %q AND resource.label.service_name = %s AND metric.type = %q", "cloud_run_revision", local.services_filter, "run.googleapis.com/request_count")
  # `("a" OR "b")` in Cloud Logging's query language.
  ingest_services_log_filter = "(${join(" OR ", [for name in local.ingest_service_names : jsonencode(name)])})"
}

# A delivery the ingest functions refused max_delivery_attempts times: an event is not in the history until
# someone replays it (npm run replay-dead-letters).
resource "google_monitoring_alert_policy" "dead_letters" {
  project      = var.project_id
  display_name = "${local.alert_title_prefix}Conversation events dead-lettered"
  combiner     = "OR"
  severity     = "ERROR"

  conditions {
    display_name = "Undelivered messages on ${google_pubsub_subscription.dead_letter.name}"
    condition_threshold {
      filter          = format("resource.type = %q AND resource.label.subscription_id = %q AND metric.type = %q", "pubsub_subscription", google_pubsub_subscription.dead_letter.name, "pubsub.googleapis.com/subscription/num_undelivered_messages")
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  notification_channels = local.notification_channels

  documentation {
    mime_type = "text/markdown"
    content   = "Deliveries the ingest functions kept refusing wait on `${google_pubsub_subscription.dead_letter.name}`. Find the cause in the functions' `ingest.failed` log entries, fix it, then replay them with `npm run replay-dead-letters` (README)."
  }
}

# Events waiting too long for their push: the functions are failing or cannot keep up.
resource "google_monitoring_alert_policy" "push_backlog" {
  project      = var.project_id
  display_name = "${local.alert_title_prefix}Conversation events waiting for delivery"
  combiner     = "OR"
  severity     = "WARNING"

  conditions {
    display_name = "Oldest unacknowledged event older than ${var.alert_oldest_unacked_message_age_seconds} s"
    condition_threshold {
      filter          = format("resource.type = %q AND resource.label.subscription_id = %s AND metric.type = %q", "pubsub_subscription", local.push_subscriptions_filter, "pubsub.googleapis.com/subscription/oldest_unacked_message_age")
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_oldest_unacked_message_age_seconds
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  notification_channels = local.notification_channels

  documentation {
    mime_type = "text/markdown"
    content   = "A push subscription of the conversation history holds events older than ${var.alert_oldest_unacked_message_age_seconds} s. Look for `ingest.failed` entries (Firestore unavailable, deadlines) and at the ingest functions' instance counts against max_instance_count."
  }
}

# A share of 5xx answers: Firestore unavailable or a bug, for the ingest functions (Pub/Sub retries them) and
# the history API (callers see the errors).
resource "google_monitoring_alert_policy" "server_errors" {
  project      = var.project_id
  display_name = "${local.alert_title_prefix}Conversation history functions answering 5xx"
  combiner     = "OR"
  severity     = "ERROR"

  conditions {
    display_name = "More than ${var.alert_server_error_ratio * 100} % of a function's requests answered 5xx"
    condition_threshold {
      filter                  = format("%s AND metric.label.response_code_class = %q", local.request_count_filter, "5xx")
      denominator_filter      = local.request_count_filter
      comparison              = "COMPARISON_GT"
      threshold_value         = var.alert_server_error_ratio
      duration                = "300s"
      evaluation_missing_data = "EVALUATION_MISSING_DATA_INACTIVE"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
      denominator_aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
    }
  }

  notification_channels = local.notification_channels

  documentation {
    mime_type = "text/markdown"
    content   = "A conversation history function answers 5xx. Its `ingest.failed` or error entries in Cloud Logging name the cause; ingest deliveries are redelivered by Pub/Sub and dead-lettered after max_delivery_attempts."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Quarantined deliveries: acknowledged, so Pub/Sub sees nothing wrong; only the functions' log says so
# ---------------------------------------------------------------------------------------------------------------------

resource "google_logging_metric" "quarantined_deliveries" {
  project     = var.project_id
  name        = "${local.prefix}conversation_history/quarantined_deliveries"
  description = "Deliveries the ingest functions could not decode or validate, kept in the quarantine collection (log event ingest.rejected)."
  filter      = format("resource.type = %q AND resource.labels.service_name = %s AND jsonPayload.event = %q", "cloud_run_revision", local.ingest_services_log_filter, "ingest.rejected")

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key         = "rejection_code"
      value_type  = "STRING"
      description = "Why the delivery was rejected (rejectionCode of the log entry)."
    }
    labels {
      key         = "service_name"
      value_type  = "STRING"
      description = "The ingest function that received it."
    }
  }
  label_extractors = {
    rejection_code = "EXTRACT(jsonPayload.rejectionCode)"
    service_name   = "EXTRACT(resource.labels.service_name)"
  }

  depends_on = [time_sleep.apis_enabled]
}

# Cloud Monitoring knows a new log-based metric only minutes after Cloud Logging created it: an alert policy on
# it created at once is refused with 404 "Cannot find metric(s) ... it could take up to 10 minutes to become
# available" (hashicorp/terraform-provider-google issue 11102), and the provider retries alert creation only on
# concurrent edits. Alerts on a log-based metric read its type from here, so they wait; the wait runs beside
# the function builds, and again only when a metric is replaced.
resource "time_sleep" "log_metrics_known_to_monitoring" {
  create_duration = "${var.metric_propagation_wait_seconds}s"

  triggers = {
    quarantined_deliveries = "logging.googleapis.com/user/${google_logging_metric.quarantined_deliveries.name}"
    reconcile_backlog_age  = "logging.googleapis.com/user/${google_logging_metric.reconcile_backlog_age.name}"
  }
}

resource "google_monitoring_alert_policy" "quarantined_deliveries" {
  project      = var.project_id
  display_name = "${local.alert_title_prefix}Conversation events quarantined"
  combiner     = "OR"
  severity     = "WARNING"

  conditions {
    display_name = "A delivery was quarantined"
    condition_threshold {
      filter          = format("resource.type = %q AND metric.type = %q", "cloud_run_revision", time_sleep.log_metrics_known_to_monitoring.triggers["quarantined_deliveries"])
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.rejection_code"]
      }
    }
  }

  notification_channels = local.notification_channels

  documentation {
    mime_type = "text/markdown"
    content   = "An ingest function rejected a delivery it could not decode or validate and kept it in the `quarantine` collection. The `ingest.rejected` log entries give the reason; after the fix (a new version, a profile switched to JSON), replay with `npm run replay-quarantine` (README)."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# The reconcile backlog: what is due and not yet asked of Dialogflow. Nothing else shows it, and after Dialogflow's
# 30 days what was never read (profile, phone number, an end whose event was lost) is never stored.
# ---------------------------------------------------------------------------------------------------------------------

resource "google_logging_metric" "reconcile_backlog_age" {
  project     = var.project_id
  name        = "${local.prefix}conversation_history/reconcile_backlog_age"
  description = "Seconds since the oldest conversation still due for reconcile became due, as each run leaves it (oldestDueAgeSeconds of the log event reconcile.ran)."
  filter      = format("resource.type = %q AND resource.labels.service_name = %q AND jsonPayload.event = %q", "cloud_run_revision", local.function_names["reconcile-conversations"], "reconcile.ran")

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "DISTRIBUTION"
    unit        = "s"
  }
  value_extractor = "EXTRACT(jsonPayload.oldestDueAgeSeconds)"
  # 1 s to about 9 days, doubling.
  bucket_options {
    exponential_buckets {
      num_finite_buckets = 20
      growth_factor      = 2
      scale              = 1
    }
  }

  depends_on = [time_sleep.apis_enabled]
}

resource "google_monitoring_alert_policy" "reconcile_backlog" {
  project      = var.project_id
  display_name = "${local.alert_title_prefix}Conversations waiting for reconcile"
  combiner     = "OR"
  severity     = "WARNING"

  conditions {
    display_name = "Oldest due conversation older than ${var.alert_reconcile_backlog_age_seconds} s after a run"
    condition_threshold {
      filter          = format("resource.type = %q AND metric.type = %q", "cloud_run_revision", time_sleep.log_metrics_known_to_monitoring.triggers["reconcile_backlog_age"])
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_reconcile_backlog_age_seconds
      # A backlog that lasts, not one peak: the runs of fifteen minutes all leave it.
      duration = "900s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_PERCENTILE_99"
        cross_series_reducer = "REDUCE_MAX"
      }
    }
  }

  notification_channels = local.notification_channels

  documentation {
    mime_type = "text/markdown"
    content   = "reconcileConversations leaves conversations due for longer than ${var.alert_reconcile_backlog_age_seconds} s: it is not keeping up. Its `reconcile.ran` entries say why each run stopped (`stoppedBy`: budget, dialogflow-unavailable) and what it took; raise reconcile.qps within the project's Dialogflow quota, or reconcile.budget_seconds and concurrency (docs/scale.md). Past Dialogflow's 30 days a conversation's profile and phone number can no longer be read."
  }
}
