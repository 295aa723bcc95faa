import type { StatelyActorEvent, StatelyEventEvent, StatelyInspectionEvent, StatelySnapshotEvent } from '@statelyai/inspect';
import type { InspectionEvent } from 'xstate';
import { InputError } from '../../domain/errors.js';
import { Frame } from './frames.js';
import { Ring } from './ring.js';
import { toSafeJson } from './safeJson.js';

/**
 * The `_version` field of @statelyai/inspect's messages: the version of the
 * library whose protocol these frames follow (package.json pins 0.7.2).
 */
export const STATELY_INSPECT_VERSION = '0.7.2';

/** An inspector client (one WebSocket on /inspect): one frame per message, as the Stately receiver expects. */
export interface InspectorSink {
  deliver(frames: readonly Frame[]): void;
}

export interface InspectionHubOptions {
  /** Recent frames replayed to an inspector that connects (default 1000). */
  readonly bufferSize?: number;
  /** Inspection events waiting for the next flush; past it the oldest are dropped and counted (default 10000). */
  readonly maxPending?: number;
  /** Live actors remembered, so a late inspector still sees every actor (default 10000). */
  readonly maxActors?: number;
  /** Nesting kept in snapshots and events (default 10, like @statelyai/inspect). */
  readonly depthLimit?: number;
  /** Wall clock for `createdAt` (default Date.now). */
  readonly now?: () => number;
  readonly schedule?: (flush: () => void) => void;
}

/** The parts of an actor ref the inspector protocol reads (xstate's ActorRefLike leaves them out of its type). */
interface InspectedRef {
  readonly sessionId: string;
  readonly id?: string;
  readonly _parent?: { readonly sessionId: string };
  readonly logic?: { readonly config?: unknown };
  getSnapshot(): unknown;
}

interface PendingEvent {
  readonly event: InspectionEvent;
  readonly createdAt: number;
}

/**
 * A Stately-inspector stream of every actor the engine creates with
 * `inspect: hub.inspect`. The observer only records the event (one small
 * object per actor event, nothing serialised on the engine's path); a
 * deferred flush converts it to the @statelyai/inspect WebSocket protocol
 * (`@xstate.actor`, `@xstate.event`, `@xstate.snapshot` objects with
 * `_version`, `sessionId`, `rootId`, `createdAt`), keeps the last frames and
 * sends them to every connected inspector, e.g. `createWebSocketReceiver({
 * server: 'ws://host:port/inspect' })` or the page served at GET /inspect.
 */
export class InspectionHub {
  /** Pass as `createActor(machine, { inspect: hub.inspect })`. */
  readonly inspect: (event: InspectionEvent) => void;
  private readonly recent: Ring<Frame>;
  private readonly maxActors: number;
  private readonly depthLimit: number;
  private readonly now: () => number;
  private readonly schedule: (flush: () => void) => void;
  private readonly actors = new Map<string, InspectedRef>();
  private readonly definitions = new WeakMap<object, string>();
  private readonly sinks = new Set<InspectorSink>();
  private readonly pending: Ring<PendingEvent>;
  private flushScheduled = false;
  private droppedCount = 0;

  constructor(opts: InspectionHubOptions = {}) {
    this.recent = new Ring(opts.bufferSize ?? 1000);
    this.pending = new Ring(positive(opts.maxPending ?? 10_000, 'maxPending'));
    this.maxActors = positive(opts.maxActors ?? 10_000, 'maxActors');
    this.depthLimit = positive(opts.depthLimit ?? 10, 'depthLimit');
    this.now = opts.now ?? Date.now;
    this.schedule = opts.schedule ?? ((f) => void setImmediate(f));
    this.inspect = (event) => this.record(event);
  }

  /** Inspection events dropped because the flush fell behind. */
  get dropped(): number {
    return this.droppedCount;
  }

  get clients(): number {
    return this.sinks.size;
  }

  /**
   * Add an inspector: it first receives every live actor (with its current
   * snapshot), then the recent frames, then everything new. Returns its removal.
   */
  addClient(sink: InspectorSink): () => void {
    this.flush();
    const actors: Frame[] = [];
    for (const [id, ref] of this.actors) {
      if (statusOf(ref) !== 'active') this.actors.delete(id);
      else actors.push(this.frame(this.actorEvent(ref, this.now())));
    }
    this.sinks.add(sink);
    sink.deliver([...actors, ...this.recent.slice()]);
    return () => this.sinks.delete(sink);
  }

  /** Convert and send what was recorded. Runs by itself after each burst of actor events. */
  flush(): void {
    if (this.pending.length === 0) return;
    const pending = this.pending.slice();
    this.pending.clear();
    const frames: Frame[] = [];
    for (const p of pending) {
      const converted = this.convert(p);
      if (converted === undefined) continue;
      const frame = this.frame(converted);
      this.recent.push(frame);
      frames.push(frame);
    }
    if (frames.length === 0) return;
    for (const sink of [...this.sinks]) sink.deliver(frames);
  }

  private record(event: InspectionEvent): void {
    // Microsteps, transitions and actions are not part of the inspector's protocol.
    if (event.type !== '@xstate.actor' && event.type !== '@xstate.event' && event.type !== '@xstate.snapshot') return;
    // Known at once, even if this event is later dropped: a late inspector must still see the actor.
    if (event.type === '@xstate.actor') this.remember(event.actorRef);
    // A full ring drops its oldest event: the engine never waits for an inspector.
    if (this.pending.length === this.pending.capacity) this.droppedCount++;
    this.pending.push({ event, createdAt: this.now() });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.schedule(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  private convert({ event, createdAt }: PendingEvent): StatelyInspectionEvent | undefined {
    const ref = event.actorRef as unknown as InspectedRef;
    switch (event.type) {
      case '@xstate.actor':
        return { ...this.actorEvent(ref, createdAt), rootId: event.rootId };
      case '@xstate.event': {
        const e: StatelyEventEvent = {
          type: '@xstate.event',
          event: event.event,
          sourceId: (event.sourceRef as InspectedRef | undefined)?.sessionId,
          sessionId: ref.sessionId,
          _version: STATELY_INSPECT_VERSION,
          createdAt: String(createdAt),
          // The library's own converter sends null here; its type says string.
          id: null as unknown as string,
          rootId: event.rootId,
        };
        return e;
      }
      case '@xstate.snapshot': {
        const status = (event.snapshot as { status?: string }).status;
        if (status !== undefined && status !== 'active') this.actors.delete(ref.sessionId);
        const s: StatelySnapshotEvent = {
          type: '@xstate.snapshot',
          event: event.event,
          snapshot: event.snapshot,
          sessionId: ref.sessionId,
          _version: STATELY_INSPECT_VERSION,
          createdAt: String(createdAt),
          id: null as unknown as string,
          rootId: event.rootId,
        };
        return s;
      }
      default:
        return undefined;
    }
  }

  private actorEvent(ref: InspectedRef, createdAt: number): StatelyActorEvent {
    const config = ref.logic?.config;
    const definitionId = typeof config === 'object' && config !== null ? (config as { id?: unknown }).id : undefined;
    let name = ref.id ?? ref.sessionId;
    if (name === ref.sessionId && typeof definitionId === 'string') name = definitionId;
    return {
      type: '@xstate.actor',
      name,
      definition: this.definitionOf(config, name),
      _version: STATELY_INSPECT_VERSION,
      createdAt: String(createdAt),
      id: null as unknown as string,
      rootId: undefined,
      parentId: ref._parent?.sessionId,
      sessionId: ref.sessionId,
      snapshot: ref.getSnapshot() ?? { status: 'active' },
    };
  }

  /** A machine's definition is the same for each of its actors: serialised once per logic. */
  private definitionOf(config: unknown, name: string): string {
    if (typeof config !== 'object' || config === null) return JSON.stringify({ id: name });
    let d = this.definitions.get(config);
    if (d === undefined) {
      d = JSON.stringify(toSafeJson(config, this.depthLimit));
      this.definitions.set(config, d);
    }
    return d;
  }

  private remember(ref: InspectedRef): void {
    if (this.actors.size >= this.maxActors) {
      const oldest = this.actors.keys().next().value;
      if (oldest !== undefined) this.actors.delete(oldest);
    }
    this.actors.set(ref.sessionId, ref);
  }

  private frame(e: StatelyInspectionEvent): Frame {
    return new Frame(JSON.stringify(toSafeJson(e, this.depthLimit + 2)));
  }
}

function statusOf(ref: InspectedRef): string | undefined {
  return (ref.getSnapshot() as { status?: string } | undefined)?.status;
}

function positive(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 1) throw new InputError(field, `must be a positive integer, got ${n}`);
  return n;
}
