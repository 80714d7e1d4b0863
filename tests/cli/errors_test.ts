/** How the `zmq` command words a failure (cli/_errors.ts). */
import { assertEquals } from "@std/assert";
import { ZmqError } from "../../mod.ts";
import {
  CliError,
  describeFailure,
  EXIT_ERROR,
  EXIT_TIMEOUT,
} from "../../cli/_errors.ts";

Deno.test("zmq's failure line: a plain Error (Deno's for a full disk) by its message, another kind named, a ZmqError as it says, EAGAIN a timeout", () => {
  assertEquals(
    describeFailure(new Error("No space left on device (os error 28)")),
    {
      line: "zmq: No space left on device (os error 28)",
      exitCode: EXIT_ERROR,
    },
  );
  assertEquals(describeFailure(new Error()), {
    line: "zmq: Error: ",
    exitCode: EXIT_ERROR,
  });
  assertEquals(describeFailure(new TypeError("x is not a function")), {
    line: "zmq: TypeError: x is not a function",
    exitCode: EXIT_ERROR,
  });
  assertEquals(
    describeFailure(new ZmqError("EAGAIN", "no message\nwithin 5 ms")),
    { line: "zmq: no message within 5 ms", exitCode: EXIT_TIMEOUT },
  );
  assertEquals(describeFailure(new CliError("bad flag", 2)), {
    line: "zmq: bad flag",
    exitCode: 2,
  });
});
