# A second environment in a shared project: its own prefix, database, settings and state.
name_prefix           = "dev"
firestore_database_id = "dev-history"
log_level             = "DEBUG"

alert_emails                = ["oncall@example.com", "dev-team@example.com"]
alert_notification_channels = ["projects/example-project/notificationChannels/1234567890"]

event_publishers = [
  "serviceAccount:chat-app@example-project.iam.gserviceaccount.com",
  "serviceAccount:voice-gateway@example-project.iam.gserviceaccount.com",
]

history_invokers             = ["user:alice@example.com", "group:developers@example.com"]
history_erasers              = ["user:alice@example.com", "serviceAccount:erasure-requests@example-project.iam.gserviceaccount.com"]
history_cors_allowed_origins = ["https://console.example.com"]

reconcile = {
  schedule    = "*/5 * * * *"
  concurrency = 8
  qps         = 10
}
