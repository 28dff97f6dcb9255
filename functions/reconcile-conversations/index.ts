import { http } from '@google-cloud/functions-framework';
import { buildReconcileFunction } from '../../shared/composition/reconcileFunction';

// Asks Dialogflow's API about the conversations that need it, on Cloud Scheduler's schedule.
http('reconcileConversations', buildReconcileFunction('reconcileConversations', process.env));
