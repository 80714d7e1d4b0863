// The entry of a classic-script bundle (an IIFE, as a page's plain
// <script> or a CommonJS wrapper loads): the library, as a global.
import * as zmq from "../../mod.ts";

Object.assign(globalThis, { zmq });
