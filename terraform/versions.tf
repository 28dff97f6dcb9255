terraform {
  required_version = ">= 1.5"

  # No backend block: Cloud Build writes backend_override.tf (backend "gcs") before `terraform init`,
  # so the same configuration runs locally with local state and in CI with remote state.

  # One major version each (`~>`): a new major version of a provider renames or removes arguments, and is
  # taken deliberately. google 7.x is the first with the conversation profile's
  # new_recognition_result_notification_config; google-beta, at the same version, creates the service agents.
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = "~> 7.0"
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
