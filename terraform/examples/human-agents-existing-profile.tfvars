# Human agents only (no virtual agent), a conversation profile and a Firestore database that exist already.
create_conversation_profile     = false
create_firestore_database       = false
firestore_backup_retention_days = 0

history_invokers = [
  "group:support-leads@example.com",
  "domain:example.com",
  "serviceAccount:reporting@example-project.iam.gserviceaccount.com",
]
history_erasers = ["user:privacy-officer@example.com"]
