import { http } from '@google-cloud/functions-framework';
import { buildIngestFunction } from '../../shared/composition/ingestFunction';

// Push endpoint for the topic of the ConversationProfile's newMessageEventNotificationConfig.
http('ingestMessageEvents', buildIngestFunction('ingestMessageEvents', process.env));
