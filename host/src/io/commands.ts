// Host-to-target command frames (SPEC §8): an empty body, framed like every message.
import { commandMessage, frame } from '../core/encode.js';
import { COMMAND_BY_MESSAGE, type CommandMessage } from '../core/wire-gen.js';

/** A command by its SPEC §8 message name (CMD_START, ...). */
export type CommandName = CommandMessage;

/** The framed bytes of a command, with a leading 0x00 so a target that holds a partial frame
 * (line noise, a half-sent earlier command) resynchronises before this one. */
export function commandFrame(name: CommandName): Buffer {
  return Buffer.concat([Buffer.of(0), frame(commandMessage(COMMAND_BY_MESSAGE[name]))]);
}
