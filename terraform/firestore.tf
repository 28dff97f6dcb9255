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

  depends_on = [google_project_service.apis]
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

  # The field Firestore's TTL policies delete by (EXPIRE_AT_FIELD, shared/firestore/conversationStore.ts), and
  # every collection group whose documents carry it.
  expire_at_field       = "expireAt"
  ttl_collection_groups = ["conversations", "messages", "recognitionResults", "quarantine"]
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

  depends_on = [google_firestore_database.this]
}

# With retention_days > 0 the functions write expireAt on every document; these policies delete expired ones.
resource "google_firestore_field" "ttl" {
  for_each = var.retention_days > 0 ? toset(local.ttl_collection_groups) : toset([])

  project    = var.project_id
  database   = var.firestore_database_id
  collection = each.value
  field      = local.expire_at_field

  ttl_config {}

  # No single-field indexes on expireAt: nothing queries it, and indexing an ever-increasing timestamp
  # limits write throughput (Google's advice for TTL fields).
  index_config {}

  depends_on = [google_firestore_database.this]
}
