import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The viewer's static files, by the path the history function serves each at. Here (npm start, npm test) they
 * are read from this folder at first use; `npm run build` replaces this module with one holding their text
 * (shared/build/bundleFunctions.ts), so that the deployed function needs no file beside its bundle.
 */
export interface ViewerAsset {
  contentType: string;
  body: string;
}

export const VIEWER_FILES: Readonly<Record<string, { file: string; contentType: string }>> = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/viewer.js': { file: 'viewer.js', contentType: 'text/javascript; charset=utf-8' },
  '/viewer.css': { file: 'viewer.css', contentType: 'text/css; charset=utf-8' },
};

let assets: Record<string, ViewerAsset> | undefined;

export function loadViewerAssets(): Record<string, ViewerAsset> {
  const folder = dirname(fileURLToPath(import.meta.url));
  assets ??= Object.fromEntries(
    Object.entries(VIEWER_FILES).map(([path, { file, contentType }]) => [path, { contentType, body: readFileSync(join(folder, file), 'utf8') }]),
  );
  return assets;
}
