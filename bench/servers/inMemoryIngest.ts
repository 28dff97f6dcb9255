import { createIngestDelivery } from '../../shared/domain/ingestDelivery';
import { createIngestHandler } from '../../shared/http/ingestHandler';
import { createLogger } from '../../shared/platform/logger';
import { createInMemoryConversationStore, createInMemoryQuarantineStore } from '../lib/inMemoryStores';
import { serveFunction } from './serveFunction';

// ingestMessageEvents' real handler and use case, with the stores in memory; logs at INFO to stdout, as deployed.
const ingest = createIngestDelivery({
  store: createInMemoryConversationStore(),
  quarantine: createInMemoryQuarantineStore(),
  receivedBy: 'ingestMessageEvents',
  now: () => new Date(),
});
const logger = createLogger({ level: (process.env['LOG_LEVEL'] as 'INFO' | undefined) ?? 'INFO', projectId: 'bench-project' });
serveFunction('ingestMessageEvents', createIngestHandler({ ingest, logger, maxBodyBytes: 921_600 }));
