resource "google_firestore_database" "this" {
  count = var.create_firestore_database ? 1 : 0

  project     = var.project_id
  name        = var.firestore_database_id
  location_id = local.firestore_location
  type        = "FIRESTORE_NATIVE"

  # The database holds the only long-term copy of the conversations: by default it can be deleted neither
  # from the console nor by `terraform destroy` (which then just forgets it).
  delete_protection_state = var.firestore_delete_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy         = var.firestore_deletion_policy

  # Seven days of versions: a bad deploy or a wrong erasure can be read back, or the database restored, to any
  # minute of the last week.
  point_in_time_recovery_enablement = var.firestore_point_in_time_recovery ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"

  depends_on = [time_sleep.apis_enabled]
}

locals {
  # Mirrors COMPOSITE_INDEXES in shared/firestore/indexes.ts exactly (test/infra checks both directions).
  firestore_composite_indexes = [
    {
      # conversations.list with lifecycle_state = "…", ordered by start time.
      collection  = "conversations"
      query_scope = "COLLECTION"
      fields = [
        { field_path = "lifecycleState", order = "ASCENDING" },
        { field_path = "startSortKey", order = "DESCENDING" },
      ]
    },
    {
      # conversations.list with lifecycle_state = "…" and only end_time compared, ordered by end time.
      collection  = "conversations"
      query_scope = "COLLECTION"
      fields = [
        { field_path = "lifecycleState", order = "ASCENDING" },
        { field_path = "endSortKey", order = "DESCENDING" },
      ]
    },
  ]

  # Mirrors UNINDEXED_FIELDS in shared/firestore/indexes.ts exactly (test/infra checks both directions, and that
  # no query of the code filters or orders on one of them): the fields nothing queries, exempt from Firestore's
  # automatic single-field indexes, so that a write pays no index entry for them.
  firestore_unindexed_fields = {
    conversations = [
      "name", "project", "location", "conversationId", "startTime", "endTime", "conversationStage", "conversationProfile",
      "phoneNumber", "eventStartTime", "eventEndTime", "humanInterventionNeeded", "dialogflow", "lifecycleEvents",
      "lifecycleEventsTruncated", "schemaVersion", "tombstone", "erasedAt",
    ]
    messages           = ["conversation", "messageId", "createTime", "participantRole", "participantId", "payloadJson", "eventDetailJson", "schemaVersion"]
    recognitionResults = ["conversation", "pubsubMessageId", "publishTime", "payloadJson", "schemaVersion"]
    participants       = ["conversation", "role", "firstMessageTime", "dialogflowJson", "schemaVersion"]
    quarantine = [
      "reasonCode", "reason", "receivedBy", "receivedAt", "rawBody", "rawBodyEncoding", "rawBodyBytes", "replayedAt",
      "pubsubMessageId", "subscription", "deliveryAttempt", "publishTime", "eventType", "eventKind", "messageId", "dataBytes",
    ]
    erasures = ["conversation", "erasedAt"]
  }

  # The field Firestore's TTL policies delete by (EXPIRE_AT_FIELD, shared/firestore/conversationStore.ts), and
  # every collection group whose documents carry it: with retention_days > 0 every document, and always the
  # tombstones of erased conversations and their registrations in erasures.
  expire_at_field       = "expireAt"
  ttl_collection_groups = ["conversations", "messages", "recognitionResults", "participants", "quarantine", "erasures"]
}

resource "google_firestore_index" "composite" {
  for_each = {
    for index in local.firestore_composite_indexes :
    "${index.collection}(${join(",", [for field in index.fields : "${field.field_path} ${field.order}"])})" => index
  }

  project     = var.project_id
  database    = var.firestore_database_id
  collection  = each.value.collection
  query_scope = each.value.query_scope

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path = fields.value.field_path
      order      = fields.value.order
    }
  }

  depends_on = [time_sleep.apis_enabled, google_firestore_database.this]
}

# With retention_days > 0 the functions write expireAt on every document, and erasure on every tombstone; these
# policies delete expired ones (within a day or so of expiry, Firestore documents).
resource "google_firestore_field" "ttl" {
  for_each = toset(local.ttl_collection_groups)

  project    = var.project_id
  database   = var.firestore_database_id
  collection = each.value
  field      = local.expire_at_field

  ttl_config {}

  # No single-field indexes on expireAt: nothing queries it, and indexing an ever-increasing timestamp
  # limits write throughput (Google's advice for TTL fields).
  index_config {}

  depends_on = [time_sleep.apis_enabled, google_firestore_database.this]
}

# Single-field index exemptions: no ascending, descending or array-contains index on the fields nothing queries.
resource "google_firestore_field" "unindexed" {
  for_each = merge([
    for collection, fields in local.firestore_unindexed_fields : { for field in fields : "${collection}.${field}" => { collection = collection, field = field } }
  ]...)

  project    = var.project_id
  database   = var.firestore_database_id
  collection = each.value.collection
  field      = each.value.field

  # An empty index_config removes every single-field index of the field.
  index_config {}

  depends_on = [time_sleep.apis_enabled, google_firestore_database.this]
}

# A backup of the whole database every day, kept firestore_backup_retention_days; restoring one creates a new
# database (gcloud firestore databases restore).
resource "google_firestore_backup_schedule" "daily" {
  count = var.firestore_backup_retention_days > 0 ? 1 : 0

  project   = var.project_id
  database  = var.firestore_database_id
  retention = "${var.firestore_backup_retention_days * 86400}s"

  daily_recurrence {}

  depends_on = [time_sleep.apis_enabled, google_firestore_database.this]
}
