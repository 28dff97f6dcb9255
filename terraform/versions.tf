terraform {
  required_version = ">= 1.5"

  # No backend block: Cloud Build writes backend_override.tf (backend "gcs") before `terraform init`,
  # so the same configuration runs locally with local state and in CI with remote state.

  # One major version each: a new major version of a provider renames or removes arguments, and is taken
  # deliberately. google and google-beta from 7.45, the release whose schemas every argument here is checked
  # against (../shared/tools/check-infra.mjs): `~> 7.0` would admit 7.x releases older than the one that added
  # the profile's new_recognition_result_notification_config. google-beta creates the service agents.
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 7.45, < 8"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 7.45, < 8"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    time = {
      source  = "hashicorp/time"
      version = "~> 0.12"
    }
  }
}
