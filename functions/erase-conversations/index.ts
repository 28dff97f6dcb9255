import { http } from '@google-cloud/functions-framework';
import { buildErasureFunction } from '../../shared/composition/erasureFunction';

// DELETE of a conversation, for a verified eraser: the one function that can write on a person's behalf.
http('eraseConversations', buildErasureFunction('eraseConversations', process.env));
