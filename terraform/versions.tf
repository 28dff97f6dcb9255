terraform {
  required_version = ">= 1.5"

  # No backend block: Cloud Build writes backend_override.tf (backend "gcs") before `terraform init`,
  # so the same configuration runs locally with local state and in CI with remote state.

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.50, < 8"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4, < 3"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6, < 4"
    }
  }
}
