import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Terraform's own checks of terraform/ (fmt, validate, plan of every example) run where Terraform and the team's
 * offline tool are: `terraform` on PATH, and ../shared/tools/terraform-offline.mjs beside the checkout, which
 * stands every provider's resources in with Terraform's built-in terraform_data so that no provider need be
 * downloaded. Elsewhere (Cloud Build plans with the real providers instead) the tier says why in one line.
 */
export const TERRAFORM_OFFLINE_TOOL = resolve(fileURLToPath(new URL('../../../shared/tools/terraform-offline.mjs', import.meta.url)));

export function missingTerraformTier(): string | undefined {
  const version = spawnSync('terraform', ['version'], { encoding: 'utf8', env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' } });
  if (version.error || version.status !== 0) return 'terraform is not on PATH';
  if (!existsSync(TERRAFORM_OFFLINE_TOOL)) return `the offline tool is not at ${join('..', 'shared', 'tools', 'terraform-offline.mjs')}`;
  return undefined;
}
