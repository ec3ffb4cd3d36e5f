/**
 * pool: worker threads running scan engines, with request/response calls.
 *
 * Each worker holds the ELF facts of the files it read, so phase-2 work for a file goes
 * to the worker that read it. A worker that fails (an exception in a request, a crash,
 * an exit) fails every pending call: the scan ends with a tool error, never a hang.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AnalyzeMode, Analyzed, EngineInit, ExportsReply, ReadBatch, ReadReply, TreeTable } from './engine.js';
import type { VerifyJob } from './cache.js';
import type { InitMessage, VerifyMessage } from './worker.js';

/** Pending is one call awaiting its answer. */
interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * workerScript finds the compiled worker: its one-script build (worker.cjs, from
 * scripts/bundle.mjs) where there is one, since a CommonJS script starts without Node's ES
 * module loader (an unchanged re-scan of /usr, whose helper thread joins sooner, 211 ms
 * against 214: docs/performance.md, "Stop 20"), else tsc's worker.js. From dist/ they are siblings; when the sources run
 * under a TypeScript-aware test runner, the build in dist/ serves (npm test builds first).
 */
export function workerScript(): URL {
  for (const candidate of ['./worker.cjs', './worker.js', '../../dist/scan/worker.cjs']) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  return new URL('../../dist/scan/worker.js', import.meta.url);
}

/** Thread is one worker and its pending calls. */
class Thread {
  private seq = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | null = null;
  /** outstanding counts calls in flight (the scheduler keeps each thread busy but not flooded). */
  outstanding = 0;

  constructor(readonly worker: Worker) {
    worker.on('message', (m: { seq: number; ok: boolean; value?: unknown; error?: string }) => {
      const p = this.pending.get(m.seq);
      if (p === undefined) return;
      this.pending.delete(m.seq);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`scan worker failed: ${m.error ?? 'unknown error'}`));
    });
    worker.on('error', (e) => this.fail(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => this.fail(new Error(`scan worker exited with code ${code}`)));
  }

  /** fail rejects every pending call (and every later one). */
  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  /** call sends a request and resolves with the worker's answer. */
  call<T>(op: string, payload: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.seq++;
    this.outstanding++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, {
        resolve: (v) => {
          this.outstanding--;
          resolve(v as T);
        },
        reject: (e) => {
          this.outstanding--;
          reject(e);
        },
      });
      this.worker.postMessage({ seq, op, ...payload }, transfer);
    });
  }

  /** ready resolves when the worker has built its engine (loaded the database). */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.set(0, { resolve: () => resolve(), reject });
    });
  }
}

/**
 * WORKER_YOUNG_MB caps a worker's young generation (V8's default is 3 x 16 MiB semi-spaces
 * on 64-bit). A worker's short-lived garbage is one batch's worth; the default let each
 * worker keep about 15 MB more resident on /usr for no measurable speed (cold scans of
 * /usr, interleaved: 3.44-3.64 s capped, 3.23-3.66 s not; peak RSS 251-258 MB against
 * 261-280 MB).
 */
const WORKER_YOUNG_MB = 12;

/** spawnWorker starts one scan thread; it waits for the scan's settings. */
function spawnWorker(): Worker {
  return new Worker(workerScript(), { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
}

/** spares are threads started ahead of a scan (prestartWorkers) that no pool has taken yet. */
const spares: Worker[] = [];
/** gone are spares that failed or exited before a pool took them. */
const gone = new WeakSet<Worker>();

/**
 * prestartWorkers starts up to `count` scan threads before the scan's settings are known,
 * for the next WorkerPool.start to take: loading a thread's modules takes 80 ms on an idle
 * core, and over 200 ms once the scan keeps the other core busy, so a command that will
 * scan a directory starts them first (docs/performance.md, "Threads started first"). They
 * do not keep the process alive; releaseSpareWorkers ends the ones no pool took.
 */
export function prestartWorkers(count: number): void {
  for (let i = spares.length; i < count; i++) {
    const worker = spawnWorker();
    worker.unref();
    // An error here is seen again by the pool that takes it (as its exit), or by no one.
    worker.on('error', () => gone.add(worker));
    worker.once('exit', () => gone.add(worker));
    spares.push(worker);
  }
}

/** takeSpare is a started thread still alive, if any. */
function takeSpare(): Worker | null {
  for (let w = spares.pop(); w !== undefined; w = spares.pop()) if (!gone.has(w)) return w;
  return null;
}

/**
 * lendSpares asks every started thread no pool has taken to help verify a cache file's
 * tree (they stay spares, for a pool to take later); the number asked.
 */
export function lendSpares(job: VerifyJob): number {
  let n = 0;
  for (const w of spares) {
    if (gone.has(w)) continue;
    w.postMessage({ op: 'verify', job } satisfies VerifyMessage);
    n++;
  }
  return n;
}

/** spareWorkers counts the started threads no pool has taken (for tests and figures). */
export function spareWorkers(): number {
  return spares.filter((w) => !gone.has(w)).length;
}

/** releaseSpareWorkers ends the started threads no pool took (a scan that ran in the calling thread). */
export async function releaseSpareWorkers(): Promise<void> {
  const left = spares.splice(0);
  await Promise.all(left.map((w) => w.terminate().catch(() => 0)));
}

/** WorkerPool runs `size` scan threads. */
export class WorkerPool {
  private constructor(private readonly threads: Thread[]) {}

  /**
   * start takes `size` threads (those prestartWorkers started first), sends each the
   * scan's settings and waits until each has built its engine (loaded the database).
   */
  static async start(size: number, init: EngineInit): Promise<WorkerPool> {
    const threads = Array.from({ length: size }, () => {
      const worker = takeSpare() ?? spawnWorker();
      worker.ref();
      const thread = new Thread(worker);
      worker.postMessage({ op: 'init', init } satisfies InitMessage);
      return thread;
    });
    const pool = new WorkerPool(threads);
    try {
      await Promise.all(threads.map((t) => t.ready()));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get size(): number {
    return this.threads.length;
  }

  /** outstanding is the number of calls in flight on a thread. */
  outstanding(thread: number): number {
    return this.threads[thread]!.outstanding;
  }

  /** leastBusy is the thread with the fewest calls in flight. */
  leastBusy(): number {
    let best = 0;
    for (let i = 1; i < this.threads.length; i++) if (this.threads[i]!.outstanding < this.threads[best]!.outstanding) best = i;
    return best;
  }

  read(thread: number, batch: ReadBatch): Promise<ReadReply> {
    const transfer = [batch.ids.buffer as ArrayBuffer, ...(batch.dirOf ? [batch.dirOf.buffer as ArrayBuffer] : [])];
    return this.threads[thread]!.call('read', { batch }, transfer);
  }

  load(thread: number): Promise<ReadReply> {
    return this.threads[thread]!.call('load', {});
  }

  completeExports(thread: number, ids: number[]): Promise<ExportsReply> {
    return this.threads[thread]!.call('exports', { ids });
  }

  tree(table: TreeTable): Promise<void[]> {
    return Promise.all(this.threads.map((t) => t.call<void>('tree', { table })));
  }

  analyze(thread: number, ids: number[], mode: AnalyzeMode): Promise<Analyzed[]> {
    return this.threads[thread]!.call('analyze', { ids, mode });
  }

  /** close terminates every thread. */
  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate().catch(() => 0)));
  }
}

