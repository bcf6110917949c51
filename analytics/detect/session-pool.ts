// A small pool of ONNX Runtime sessions shared by every camera: a frame waits for a free session
// instead of each camera owning one (sessions cost memory and threads; cameras are many).
// Each slot owns its input buffer and tensor, reused for every frame that runs on it.
import ort from 'onnxruntime-node';
import { AppError } from '@cityops/core/errors';
import type { ModelManifest } from '@cityops/models/manifest';
import { Preprocessor } from './preprocess.ts';

export interface SessionPoolOptions {
  /** Sessions that may run at the same time (parallel inferences). */
  sessions: number;
  /** Threads inside one inference (ONNX Runtime intra-op threads). */
  intraOpThreads: number;
}

export interface SessionSlot {
  readonly session: ort.InferenceSession;
  readonly preprocessor: Preprocessor;
  readonly tensor: ort.Tensor;
}

export class ModelLoadError extends AppError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super('model_corrupt', message);
    this.name = 'ModelLoadError';
  }
}

export class SessionPool {
  private readonly free: SessionSlot[];
  private readonly waiting: ((slot: SessionSlot) => void)[] = [];
  private closed = false;

  private constructor(private readonly slots: SessionSlot[]) {
    this.free = [...slots];
  }

  static async create(modelPath: string, manifest: ModelManifest, options: SessionPoolOptions): Promise<SessionPool> {
    if (!(options.sessions >= 1) || !(options.intraOpThreads >= 1)) {
      throw new RangeError(`sessions (${options.sessions}) and intraOpThreads (${options.intraOpThreads}) must be ≥ 1`);
    }
    const slots: SessionSlot[] = [];
    try {
      for (let i = 0; i < options.sessions; i++) {
        let session: ort.InferenceSession;
        try {
          session = await ort.InferenceSession.create(modelPath, {
            intraOpNumThreads: options.intraOpThreads,
            interOpNumThreads: 1,
            executionMode: 'sequential',
            graphOptimizationLevel: 'all',
          });
        } catch (error) {
          throw new ModelLoadError(modelPath, `ONNX Runtime cannot load model file ${modelPath}: ${(error as Error).message}`);
        }
        if (!session.inputNames.includes(manifest.input.name) || !session.outputNames.includes(manifest.output.name)) {
          await session.release();
          throw new ModelLoadError(
            modelPath,
            `Model file ${modelPath} has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; ` +
              `manifest ${manifest.id} expects input ${manifest.input.name} and output ${manifest.output.name}`,
          );
        }
        const preprocessor = new Preprocessor(manifest.input);
        const tensor = new ort.Tensor('float32', preprocessor.input, [...manifest.input.shape]);
        slots.push({ session, preprocessor, tensor });
      }
    } catch (error) {
      await Promise.all(slots.map((slot) => slot.session.release()));
      throw error;
    }
    return new SessionPool(slots);
  }

  get size(): number {
    return this.slots.length;
  }

  /** Runs `work` on a free slot, waiting for one if all are busy. */
  async use<T>(work: (slot: SessionSlot) => Promise<T>): Promise<T> {
    // A programming error (use after close): a plain Error.
    if (this.closed) throw new Error('detector is closed');
    const slot = this.free.pop() ?? (await new Promise<SessionSlot>((resolve) => this.waiting.push(resolve)));
    try {
      return await work(slot);
    } finally {
      const next = this.waiting.shift();
      if (next) next(slot);
      else this.free.push(slot);
    }
  }

  /** Waits for running inferences to finish, then releases every session. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.free.length < this.slots.length) {
      await new Promise<void>((resolve) =>
        this.waiting.push((slot) => {
          this.free.push(slot);
          resolve();
        }),
      );
    }
    await Promise.all(this.slots.map((slot) => slot.session.release()));
  }
}
