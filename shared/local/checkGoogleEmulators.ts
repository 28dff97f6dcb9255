/**
 * Exits 0 where Google's Firestore and Pub/Sub emulators can run (gcloud,
 * both emulator components, Java), otherwise prints why and exits 1.
 * `.ci/run` asks it before running `npm run test:google`.
 */
import { missingGoogleEmulators } from './googleEmulators';

const missing = missingGoogleEmulators();
if (missing) {
  process.stdout.write(`${missing}\n`);
  process.exit(1);
}
