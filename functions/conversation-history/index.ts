import { http } from '@google-cloud/functions-framework';
import { buildHistoryFunction } from '../../shared/composition/historyFunction';

// Dialogflow's Conversations REST API (get, list, messages.list) over the stored history.
http('conversationHistory', buildHistoryFunction('conversationHistory', process.env));
