/**
 * The classic ZAP client (RFC 27): asks a handler bound to
 * `inproc://zeromq.zap.01` in the socket's context about each client,
 * over an inproc link of its own (a DEALER in all but name).
 *
 * @module
 */

import type { Verdict } from "../codec/authentication.ts";
import { Metadata, parseMetadata } from "../codec/metadata.ts";
import { inproc, isInprocBoundInContext } from "../transport/inproc.ts";
import type {
  Link,
  LinkEvent,
  MessageWriter,
  Session,
} from "../transport/transport.ts";
import type { AuthenticationRequest } from "./authentication.ts";
import type { OutboundMessage } from "./message.ts";

const _ZAP_NAME = "zeromq.zap.01";
const _encoder = new TextEncoder();
const _decoder = new TextDecoder();
const _exactDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
const _clients = new WeakMap<object, _ZapClient>();

/**
 * Whether a ZAP handler is bound in the scope (the context), in this
 * isolate or another that shares it.
 */
export function hasZapHandler(scope: object): Promise<boolean> {
  // A handler we are linked to is there, whatever the register can say.
  if (_clients.get(scope)?.linked) return Promise.resolve(true);
  return isInprocBoundInContext(scope, _ZAP_NAME);
}

/** Asks the scope's ZAP handler for a verdict; replies match by request id. */
export function askZapHandler(
  scope: object,
  request: AuthenticationRequest,
  ended?: Promise<unknown>,
): Promise<Verdict> {
  let client = _clients.get(scope);
  if (!client) {
    const made: _ZapClient = new _ZapClient(scope, () => {
      if (_clients.get(scope) === made) _clients.delete(scope);
    });
    _clients.set(scope, client = made);
  }
  return client.ask(request, ended);
}

/**
 * Requests the scope's ZAP client waits on an answer for: for tests and
 * diagnostics.
 */
export function pendingZapRequests(scope: object): number {
  return _clients.get(scope)?.pending ?? 0;
}

/** Ends the scope's ZAP client: pending requests get a 500 verdict. */
export function closeZapClient(scope: object, reason: string): void {
  _clients.get(scope)?.close(reason);
}

/** Requests sent and unanswered whose ids are kept, at most. */
const _MOST_UNANSWERED = 10_000;

class _ZapClient implements Session {
  #link: Link | undefined;
  #ready = false;
  /**
   * Requests not sent yet, by id: a connection that ends forgets its own by
   * id, so that nothing of what it asked (a PLAIN password) stays held
   * until then.
   */
  #requests = new Map<string, OutboundMessage>();
  #pending = new Map<string, (verdict: Verdict) => void>();
  /**
   * The ids of the requests sent, oldest first, until answered (an asker
   * gone since included): what a reply that names none was meant for.
   */
  #unanswered: string[] = [];
  #nextId = 1;
  #abort = new AbortController();
  #onEnd: () => void;

  constructor(scope: object, onEnd: () => void) {
    this.#onEnd = onEnd;
    const peer = {
      socketType: "DEALER",
      minor: 1,
      metadata: new Metadata([["Socket-Type", "DEALER"]]),
    };
    inproc.dial(_ZAP_NAME, {
      scope,
      peer,
      connectionOptions: () => ({ socketType: "DEALER" }),
    }, this.#abort.signal).then((link) => {
      this.#link = link;
      link.start(this);
      link.done.then(() => this.close("the ZAP handler went away", true));
    }, () => this.close("the ZAP handler went away", true));
  }

  /** Whether its link to the handler is up. */
  get linked(): boolean {
    return this.#link !== undefined && !this.#link.closed;
  }

  /** Requests waiting on an answer. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Asks the handler; `ended` settles when the connection asking has
   * ended, whose request is then forgotten (a handler that never answers
   * would otherwise hold every such connection), as libzmq's goes with its
   * session.
   */
  ask(
    request: AuthenticationRequest,
    ended?: Promise<unknown>,
  ): Promise<Verdict> {
    const id = String(this.#nextId++);
    const verdict = new Promise<Verdict>((resolve) =>
      this.#pending.set(id, resolve)
    );
    this.#requests.set(id, [new Uint8Array(), ..._requestFrames(id, request)]);
    this.#link?.wake();
    ended?.then(() => {
      this.#pending.delete(id);
      this.#requests.delete(id);
    });
    return verdict;
  }

  handle(event: LinkEvent): boolean {
    if (event.type === "ready") {
      this.#ready = true;
      this.#link?.wake();
    } else if (event.type === "message") {
      const [delimiter, ...reply] = event.frames;
      const id = delimiter.length === 0
        ? _decoder.decode(reply[1] ?? new Uint8Array())
        : undefined;
      const at = id === undefined ? -1 : this.#unanswered.indexOf(id);
      if (at >= 0) this.#unanswered.splice(at, 1);
      const asked = id === undefined ? undefined : this.#pending.get(id);
      if (asked) {
        this.#pending.delete(id!);
        asked(_replyVerdict(reply));
      } else if (at < 0 && !this.#issued(id)) this.#refuseOldest(id);
    }
    return true;
  }

  /** Whether we asked with this id (answered since, or its asker gone). */
  #issued(id: string | undefined): boolean {
    return id !== undefined && /^[1-9][0-9]*$/.test(id) &&
      Number(id) < this.#nextId;
  }

  /**
   * A reply that names no request (no delimiter, or an id we never gave;
   * one to a request answered already is dropped): libzmq's session, whose
   * ZAP pipe is its own, hangs up on the client that asked
   * (ZAP_BAD_REQUEST_ID). Ours share one, so it is taken for the oldest
   * request unanswered, as a handler on a REP socket answers in order:
   * that client is refused, if it still waits.
   */
  #refuseOldest(id: string | undefined): void {
    const oldest = this.#unanswered.shift();
    if (oldest === undefined) return;
    const asked = this.#pending.get(oldest);
    this.#pending.delete(oldest);
    asked?.(_malformed(`ZAP reply with a bad request id (${id ?? "none"})`));
  }

  fill(writer: MessageWriter): void {
    if (!this.#ready) return;
    const requests = this.#requests;
    this.#requests = new Map();
    for (const [id, request] of requests) {
      this.#unanswered.push(id);
      // A handler that leaves requests unanswered keeps only the newest.
      if (this.#unanswered.length > _MOST_UNANSWERED) this.#unanswered.shift();
      writer.sendMessage(request);
    }
  }

  /**
   * Ends the client. Requests pending get a 500, or with `stall` (the
   * handler went away) never an answer, as libzmq's session then forgets
   * its ZAP pipe and the mechanism waits: the handshake's deadline ends
   * the connection (told as a timeout, as libzmq tells it, not as a
   * refusal) and the client tries again, where an ERROR would end its
   * endpoint for good.
   */
  close(reason: string, stall = false): void {
    this.#onEnd();
    this.#abort.abort();
    this.#link?.close();
    if (!stall) {
      for (const resolve of this.#pending.values()) {
        resolve({ statusCode: 500, statusText: reason, userId: "" });
      }
    }
    this.#pending.clear();
    // Never to be sent: nothing of them is kept until their askers end.
    this.#requests.clear();
  }
}

/** The frames of a ZAP request (after the empty delimiter). */
function _requestFrames(
  requestId: string,
  request: AuthenticationRequest,
): OutboundMessage {
  return [
    _encoder.encode("1.0"),
    _encoder.encode(requestId),
    _encoder.encode(request.domain),
    _encoder.encode(request.address),
    request.routingId,
    _encoder.encode(request.mechanism),
    ...request.credentials,
  ];
}

/**
 * A malformed reply refuses the client by hanging up (no ERROR), as libzmq
 * takes it for a protocol error and closes: the client tries again.
 */
function _malformed(why: string): Verdict {
  return { statusCode: 500, statusText: why, userId: "", hangUp: true };
}

/** A frame's text, a BOM kept (as bytes it is not "1.0"); "" for none. */
function _textOf(frame: Uint8Array | undefined): string {
  return frame ? _exactDecoder.decode(frame) : "";
}

/**
 * A verdict from the frames of a ZAP reply (after the delimiter): exactly
 * six, version 1.0, a status of 200, 300, 400 or 500, as libzmq checks.
 */
function _replyVerdict(frames: readonly Uint8Array[]): Verdict {
  const [version, , statusCode, statusText, userId, metadata] = frames;
  // Byte for byte, as libzmq's: "200 ", "2e2" or a BOM are not it.
  const code = _textOf(statusCode);
  if (
    frames.length !== 6 || _textOf(version) !== "1.0" ||
    !/^[2-5]00$/.test(code)
  ) {
    return _malformed("malformed ZAP reply");
  }
  const status = Number(code);
  let properties: Metadata | undefined;
  if (metadata?.length) {
    try {
      properties = parseMetadata(metadata);
    } catch {
      return _malformed("malformed ZAP metadata");
    }
  }
  return {
    statusCode: status as Verdict["statusCode"],
    statusText: _decoder.decode(statusText ?? new Uint8Array()),
    userId: _decoder.decode(userId ?? new Uint8Array()),
    metadata: properties,
  };
}
