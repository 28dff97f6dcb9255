# Readers only as groups of identities (behind Identity-Aware Proxy or workforce federation): no email list.
history_invokers = [
  "domain:example.com",
  "principalSet://iam.googleapis.com/locations/global/workforcePools/example-pool/*",
]
history_allowed_emails                = []
history_accept_gcloud_identity_tokens = false
