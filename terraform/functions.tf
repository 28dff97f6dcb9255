# Source zips of the functions, built by `npm run build` into dist/<function-dir>/ (index.js and package.json).
resource "google_storage_bucket" "sources" {
  project  = var.project_id
  name     = local.source_bucket_name
  location = var.region

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  # Holds nothing but build inputs that Terraform can upload again.
  force_destroy = true

  depends_on = [time_sleep.apis_enabled]
}

# Where the builds push the function images. Our own rather than Cloud Functions' default "gcf-artifacts",
# which exists only after a first deploy and holds every other function's images: the build account is
# granted writing here alone (iam.tf).
resource "google_artifact_registry_repository" "functions" {
  project       = var.project_id
  location      = var.region
  repository_id = "${local.prefix}conversation-history"
  format        = "DOCKER"
  description   = "Images of the conversation history functions, built by Cloud Functions."

  # Every deploy adds an image; the running revisions need only the newest few.
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 10
    }
  }
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "2592000s"
    }
  }

  depends_on = [time_sleep.apis_enabled]
}

data "archive_file" "source" {
  for_each = toset(keys(local.functions))

  type        = "zip"
  source_dir  = "${path.module}/../dist/${each.key}"
  output_path = "${path.module}/build/${each.key}.zip"
  # Same bytes on every machine, so the hash (and the object name) changes only when the code does.
  output_file_mode = "0644"
}

resource "google_storage_bucket_object" "source" {
  for_each = toset(keys(local.functions))

  # Named by the archive's hash: a code change is a new object, and so a new build and revision.
  name         = "${each.key}/${data.archive_file.source[each.key].output_sha256}.zip"
  bucket       = google_storage_bucket.sources.name
  source       = data.archive_file.source[each.key].output_path
  content_type = "application/zip"
}

resource "google_cloudfunctions2_function" "this" {
  for_each = local.functions

  project  = var.project_id
  location = var.region
  name     = local.function_names[each.key]

  build_config {
    runtime           = local.runtime
    entry_point       = each.value.entry_point
    service_account   = google_service_account.this["build"].id
    docker_repository = google_artifact_registry_repository.functions.id

    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.source[each.key].name
      }
    }
  }

  service_config {
    timeout_seconds                  = each.value.limits.timeout_seconds
    min_instance_count               = each.value.limits.min_instance_count
    max_instance_count               = each.value.limits.max_instance_count
    max_instance_request_concurrency = each.value.limits.max_instance_request_concurrency
    available_memory                 = each.value.limits.available_memory
    available_cpu                    = each.value.limits.available_cpu

    ingress_settings               = each.value.ingress_settings
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.this[each.value.runtime_account].email

    environment_variables = each.value.environment_variables

    dynamic "secret_environment_variables" {
      for_each = each.value.secret_environment_variables
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value.secret
        version    = secret_environment_variables.value.version
      }
    }
  }

  lifecycle {
    precondition {
      condition     = length(setsubtract(keys(local.functions), local.function_dirs)) == 0 && length(setsubtract(local.function_dirs, keys(local.functions))) == 0
      error_message = "local.function_dirs must list exactly the keys of local.functions: the functions' URLs and names are made from it."
    }
    precondition {
      condition     = var.firestore_deadline_ms < each.value.limits.timeout_seconds * 1000
      error_message = "firestore_deadline_ms must be shorter than the function's timeout_seconds, or the function is stopped before it can answer 503."
    }
  }

  # The grants the build and the instances need, given time to take effect.
  depends_on = [time_sleep.apis_enabled, time_sleep.function_grants_propagate]
}
