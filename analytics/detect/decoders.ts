// Decoder registry: the manifest's `output.decoder` names one of these. A new model family adds its
// decoder file and one line here.
import type { DecoderFactory } from './decoder.ts';
import { createYoloxDecoder } from './yolox.ts';
import { AppError } from '@cityops/core/errors';

const decoders: Record<string, DecoderFactory> = {
  yolox: createYoloxDecoder,
};

export function decoderFor(name: string): DecoderFactory {
  const factory = decoders[name];
  if (!factory) throw new AppError('unknown_decoder', `No decoder "${name}": known decoders are ${Object.keys(decoders).join(', ')}`, 'decoder');
  return factory;
}
