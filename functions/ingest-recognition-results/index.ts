import { http } from '@google-cloud/functions-framework';
import { buildIngestFunction } from '../../shared/composition/ingestFunction';

// Push endpoint for the topic of the ConversationProfile's newRecognitionResultNotificationConfig: the message
// function's code on a topic, subscription and scaling of its own, so streaming results cannot starve messages.
http('ingestRecognitionResults', buildIngestFunction('ingestRecognitionResults', process.env));
