# Key of the HMAC that signs the history API's page tokens (PAGE_TOKEN_SECRET, at least 32 characters).
resource "random_password" "page_token" {
  length  = 64
  special = false
}

resource "google_secret_manager_secret" "page_token" {
  project   = var.project_id
  secret_id = "${local.prefix}${var.page_token_secret_id}"

  replication {
    auto {}
  }

  depends_on = [time_sleep.apis_enabled]
}

# The value is also in the Terraform state: keep the state bucket as private as the secret.
resource "google_secret_manager_secret_version" "page_token" {
  secret      = google_secret_manager_secret.page_token.id
  secret_data = random_password.page_token.result
}
