# The conversation profile whose conversations are kept: it publishes lifecycle events and new messages, as
# JSON ConversationEvents, to the topics the ingest functions take pushes from.
resource "google_dialogflow_conversation_profile" "this" {
  count = var.create_conversation_profile ? 1 : 0

  project       = var.project_id
  location      = var.dialogflow_location
  display_name  = var.name_prefix == "" ? var.conversation_profile_display_name : "${var.conversation_profile_display_name} [${var.name_prefix}]"
  language_code = var.dialogflow_language_code

  dynamic "automated_agent_config" {
    for_each = var.dialogflow_agent == "" ? [] : [var.dialogflow_agent]
    content {
      agent = automated_agent_config.value
    }
  }

  notification_config {
    topic          = google_pubsub_topic.events["lifecycle"].id
    message_format = "JSON"
  }

  new_message_event_notification_config {
    topic          = google_pubsub_topic.events["messages"].id
    message_format = "JSON"
  }

  # Speech recognition results of voice conversations, stored under recognitionResults: on a topic of their own,
  # pushed to a function of their own (main.tf), so that streaming results cannot starve messages.
  dynamic "new_recognition_result_notification_config" {
    for_each = var.publish_recognition_results ? [google_pubsub_topic.events["recognition_results"].id] : []
    content {
      topic          = new_recognition_result_notification_config.value
      message_format = "JSON"
    }
  }

  # Pub/Sub keeps nothing published to a topic without subscriptions, and Dialogflow publishes as soon as the
  # profile is in use: the push subscriptions, and the grants to publish, come first.
  depends_on = [time_sleep.apis_enabled, google_pubsub_subscription.push, time_sleep.event_grants_propagate]
}
