# A Dialogflow CX agent in Europe: the profile, its conversations and the database stay in the EU.
dialogflow_location         = "europe-west3"
dialogflow_agent            = "projects/example-project/locations/europe-west3/agents/0b1c2d3e-agent/environments/production"
dialogflow_language_code    = "de"
publish_recognition_results = true
firestore_location          = "eur3"
retention_days              = 400

history_invokers = ["user:alice@example.com", "user:bob@example.com"]
