import { http } from '@google-cloud/functions-framework';
import { buildIngestFunction } from '../../shared/composition/ingestFunction';

// Push endpoint for the topic of the ConversationProfile's notificationConfig.
http('ingestLifecycleEvents', buildIngestFunction('ingestLifecycleEvents', process.env));
