// A small pool of ONNX Runtime sessions shared by every camera: a frame waits for a free lane instead
// of each camera owning a session (sessions cost memory and threads; cameras are many). A lane runs
// one inference at a time; it holds one session per input size it has been asked for (the exported
// size at start, a smaller one when a camera's frames come at it), each with its own input buffer and
// tensor reused for every frame.
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { AppError } from '@cityops/core/errors';
import { withInputShape } from '@cityops/models/onnx/input-size';
import { inputGeometry, type InputGeometry, type ModelManifest } from '@cityops/models/manifest';
import { Preprocessor } from './preprocess.ts';

export interface SessionPoolOptions {
  /** Inferences that may run at the same time (lanes). */
  sessions: number;
  /** Threads inside one inference (ONNX Runtime intra-op threads). */
  intraOpThreads: number;
}

export interface SessionSlot {
  readonly session: ort.InferenceSession;
  readonly preprocessor: Preprocessor;
  readonly tensor: ort.Tensor;
  readonly input: InputGeometry;
}

/** One lane's sessions, by input width x height. */
type Lane = Map<string, SessionSlot>;
const sizeKey = (input: InputGeometry) => `${input.width}x${input.height}`;

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
  private readonly free: Lane[];
  private readonly waiting: ((lane: Lane) => void)[] = [];
  private closed = false;

  private constructor(
    private readonly lanes: Lane[],
    private readonly modelBytes: Uint8Array,
    private readonly modelPath: string,
    private readonly manifest: ModelManifest,
    private readonly options: SessionPoolOptions,
  ) {
    this.free = [...lanes];
  }

  static async create(modelPath: string, manifest: ModelManifest, options: SessionPoolOptions): Promise<SessionPool> {
    if (!(options.sessions >= 1) || !(options.intraOpThreads >= 1)) {
      throw new RangeError(`sessions (${options.sessions}) and intraOpThreads (${options.intraOpThreads}) must be ≥ 1`);
    }
    const modelBytes = new Uint8Array(await readFile(modelPath));
    const lanes: Lane[] = [];
    const exported = inputGeometry(manifest);
    try {
      for (let i = 0; i < options.sessions; i++) {
        const slot = await createSlot(modelBytes, modelPath, manifest, options, exported);
        lanes.push(new Map([[sizeKey(exported), slot]]));
      }
    } catch (error) {
      await Promise.all(lanes.flatMap((lane) => [...lane.values()].map((slot) => slot.session.release())));
      throw error;
    }
    return new SessionPool(lanes, modelBytes, modelPath, manifest, options);
  }

  get size(): number {
    return this.lanes.length;
  }

  /** Runs `work` on a free lane's session for `input` (created on first use), waiting for a lane if all are busy. */
  async use<T>(input: InputGeometry, work: (slot: SessionSlot) => Promise<T>): Promise<T> {
    // A programming error (use after close): a plain Error.
    if (this.closed) throw new Error('detector is closed');
    const lane = this.free.pop() ?? (await new Promise<Lane>((resolve) => this.waiting.push(resolve)));
    try {
      let slot = lane.get(sizeKey(input));
      if (!slot) {
        slot = await createSlot(this.modelBytes, this.modelPath, this.manifest, this.options, input);
        lane.set(sizeKey(input), slot);
      }
      return await work(slot);
    } finally {
      const next = this.waiting.shift();
      if (next) next(lane);
      else this.free.push(lane);
    }
  }

  /** Waits for running inferences to finish, then releases every session. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.free.length < this.lanes.length) {
      await new Promise<void>((resolve) =>
        this.waiting.push((lane) => {
          this.free.push(lane);
          resolve();
        }),
      );
    }
    await Promise.all(this.lanes.flatMap((lane) => [...lane.values()].map((slot) => slot.session.release())));
  }
}

async function createSlot(
  modelBytes: Uint8Array,
  modelPath: string,
  manifest: ModelManifest,
  options: SessionPoolOptions,
  input: InputGeometry,
): Promise<SessionSlot> {
  const [, , exportedHeight, exportedWidth] = manifest.input.shape;
  const resized = input.width !== exportedWidth || input.height !== exportedHeight;
  const shape = [1, 3, input.height, input.width];
  let session: ort.InferenceSession;
  try {
    const model = resized ? withInputShape(modelBytes, manifest.input.name, shape) : modelBytes;
    session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    const at = resized ? ` at input ${input.width}x${input.height}` : '';
    throw new ModelLoadError(modelPath, `ONNX Runtime cannot load model file ${modelPath}${at}: ${(error as Error).message}`);
  }
  if (!session.inputNames.includes(manifest.input.name) || !session.outputNames.includes(manifest.output.name)) {
    await session.release();
    throw new ModelLoadError(
      modelPath,
      `Model file ${modelPath} has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; ` +
        `manifest ${manifest.id} expects input ${manifest.input.name} and output ${manifest.output.name}`,
    );
  }
  const preprocessor = new Preprocessor(manifest.input, input);
  const tensor = new ort.Tensor('float32', preprocessor.input, shape);
  return { session, preprocessor, tensor, input };
}
