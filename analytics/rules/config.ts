// Camera analysis configuration (zones, lines, rules). The format itself belongs to the device
// registry (devices/analysis-config.ts, the foundation issue's "zone and rule format"); this module
// turns a parse failure into one clear error naming the field, for the analyser and the rule engine.
import { readFile } from 'node:fs/promises';
import { AppError } from '@cityops/core/errors';
import { analysisConfigSchema, type AnalysisConfig } from '@cityops/devices/analysis-config';

export type { AnalysisConfig };

export class AnalysisConfigError extends AppError {
  constructor(
    override readonly field: string,
    readonly reason: string,
    readonly source: string,
  ) {
    super('invalid_analysis_config', `Invalid analysis config ${source}: ${field}: ${reason}`, field);
    this.name = 'AnalysisConfigError';
  }
}

export function parseAnalysisConfig(value: unknown, source = 'config'): AnalysisConfig {
  const parsed = analysisConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AnalysisConfigError(issue.path.join('.') || '(root)', issue.message, source);
  }
  return parsed.data;
}

export async function loadAnalysisConfigFile(file: string): Promise<AnalysisConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new AnalysisConfigError('(file)', `cannot read: ${(error as Error).message}`, file);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AnalysisConfigError('(file)', `not valid JSON: ${(error as Error).message}`, file);
  }
  return parseAnalysisConfig(value, file);
}
