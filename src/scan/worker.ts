/**
 * worker: a scan thread. Its first message is the scan's settings (it may be started
 * before they are known); it then owns one Engine and answers the pool's requests (read
 * a batch, take the tree, analyse files) with plain data. Anything thrown here is a bug:
 * it is sent back as a failure, and the pool ends the scan with a tool error.
 */
import { parentPort } from 'node:worker_threads';
import { verifyChunks, type VerifyJob } from './cache.js';
import type { AnalyzeMode, Engine, EngineInit, ReadBatch, TreeTable } from './engine.js';

/** Request is what the pool asks of a worker. */
export type Request =
  | { seq: number; op: 'read'; batch: ReadBatch }
  | { seq: number; op: 'load' }
  | { seq: number; op: 'exports'; ids: number[] }
  | { seq: number; op: 'tree'; table: TreeTable }
  | { seq: number; op: 'analyze'; ids: number[]; mode: AnalyzeMode };

/** InitMessage is the pool's first message: the scan's settings. */
export interface InitMessage {
  op: 'init';
  init: EngineInit;
}

/** VerifyMessage asks a thread not yet given its settings to help verify a cache file's tree (verifyChunks). */
export interface VerifyMessage {
  op: 'verify';
  job: VerifyJob;
}

if (parentPort !== null) {
  const port = parentPort;
  // The engine (the reader, the analysis, the database) is built when the pool sends the
  // scan's settings: a thread may be started before they are known (prestartWorkers), so
  // that loading its modules overlaps the command's own start. They load in the
  // background; meanwhile the thread may be lent to verify a cache file's tree
  // (pool.lendSpares), which needs none of them, and answers through the job's shared
  // control words.
  const engineModule = import('./engine.js');
  // A failure to load is reported when the settings come (as the engine's failure), not before.
  engineModule.catch(() => undefined);
  const early = (m: InitMessage | VerifyMessage): void => {
    if (m.op === 'verify') return verifyChunks(m.job);
    port.off('message', early);
    void start(m);
  };
  port.on('message', early);
  /** start builds the engine and answers the pool's requests (none comes before the engine is reported built). */
  const start = async (first: InitMessage): Promise<void> => {
    let engine: Engine;
    let mod: typeof import('./engine.js');
    try {
      mod = await engineModule;
      engine = new mod.Engine(first.init);
      port.postMessage({ seq: 0, ok: true });
    } catch (e) {
      port.postMessage({ seq: 0, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      throw e;
    }
    const { exportsTransferables, transferables } = mod;
    port.on('message', (req: Request) => {
      try {
        if (req.op === 'read') {
          const reply = engine.read(req.batch);
          port.postMessage({ seq: req.seq, ok: true, value: reply }, transferables(reply));
        } else if (req.op === 'load') {
          const reply = engine.load();
          port.postMessage({ seq: req.seq, ok: true, value: reply }, transferables(reply));
        } else if (req.op === 'exports') {
          const reply = engine.completeExports(req.ids);
          port.postMessage({ seq: req.seq, ok: true, value: reply }, exportsTransferables(reply));
        } else if (req.op === 'tree') {
          engine.setTree(req.table);
          port.postMessage({ seq: req.seq, ok: true, value: null });
        } else {
          port.postMessage({ seq: req.seq, ok: true, value: engine.analyze(req.ids, req.mode) });
        }
      } catch (e) {
        port.postMessage({ seq: req.seq, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    });
  };
}
