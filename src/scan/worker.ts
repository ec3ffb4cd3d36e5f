/**
 * worker: a scan thread. Its first message is the scan's settings (it may be started
 * before they are known); it then owns one Engine and answers the pool's requests (read
 * a batch, take the tree, analyse files) with plain data. Anything thrown here is a bug:
 * it is sent back as a failure, and the pool ends the scan with a tool error.
 */
import { parentPort } from 'node:worker_threads';
import { verifyChunks, type VerifyJob } from './cache.js';
import { Engine, exportsTransferables, transferables, type AnalyzeMode, type EngineInit, type ReadBatch, type TreeTable } from './engine.js';

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
  // The engine is built when the pool sends the scan's settings: a thread may be started
  // before they are known (prestartWorkers), so that loading its modules overlaps the
  // command's own start.
  // Before its settings, a started thread may be lent to verify a cache file's tree
  // (pool.lendSpares); it answers through the job's shared control words.
  const early = (m: InitMessage | VerifyMessage): void => {
    if (m.op === 'verify') return verifyChunks(m.job);
    port.off('message', early);
    start(m);
  };
  port.on('message', early);
  const start = (first: InitMessage): void => {
    let engine: Engine;
    try {
      engine = new Engine(first.init);
      port.postMessage({ seq: 0, ok: true });
    } catch (e) {
      port.postMessage({ seq: 0, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      throw e;
    }
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
