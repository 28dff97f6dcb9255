import { http } from '@google-cloud/functions-framework';

// The history API arrives with its own issue; until then every request is answered 501, in Google's error shape.
http('conversationHistory', (_req, res) => {
  res.status(501).json({
    error: { code: 501, message: 'The conversation history API is not implemented yet', status: 'UNIMPLEMENTED' },
  });
});
