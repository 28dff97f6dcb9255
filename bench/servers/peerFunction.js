// The peer: what a team would write by hand instead of this bundle, kept as a baseline for the benchmarks (never
// deployed). A Functions Framework function with the same Firestore client: decode the push envelope, parse the
// event, create() the message document, or merge a lifecycle event into the conversation in a transaction.
const { http } = require('@google-cloud/functions-framework');
const { Firestore } = require('@google-cloud/firestore');

const db = new Firestore();

http('peer', async (req, res) => {
  try {
    const event = JSON.parse(Buffer.from(req.body.message.data, 'base64').toString('utf8'));
    const conversation = db.doc(event.conversation);
    if (event.type === 'NEW_MESSAGE') {
      const message = event.newMessagePayload;
      const id = message.name.slice(message.name.lastIndexOf('/') + 1);
      await conversation.collection('messages').doc(id).create({ ...message, publishTime: req.body.message.publishTime }).catch((error) => {
        if (error.code !== 6) throw error; // ALREADY_EXISTS: a redelivery
      });
    } else {
      const publishTime = req.body.message.publishTime;
      await db.runTransaction(async (tx) => {
        const state = (await tx.get(conversation)).data() || { events: [] };
        if (state.events.some((e) => e.id === req.body.message.messageId)) return;
        state.events.push({ id: req.body.message.messageId, type: event.type, publishTime });
        if (event.type === 'CONVERSATION_STARTED' && !(state.startTime <= publishTime)) state.startTime = publishTime;
        if (event.type === 'CONVERSATION_FINISHED' && !(state.endTime <= publishTime)) state.endTime = publishTime;
        tx.set(conversation, state);
      });
    }
    res.status(200).send({ ok: true });
  } catch (error) {
    console.error(JSON.stringify({ severity: 'ERROR', message: error.message }));
    res.status(503).send({ ok: false });
  }
});
