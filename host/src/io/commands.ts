// Host-to-target command frames (SPEC §8): an empty body, framed like every message.
import { commandMessage, frame } from '../core/encode.js';

export type CommandName = 'CMD_START' | 'CMD_STOP' | 'CMD_HEADER' | 'CMD_FLUSH' | 'CMD_DUMP';

const WIRE_NAME = {
  CMD_START: 'start',
  CMD_STOP: 'stop',
  CMD_HEADER: 'header',
  CMD_FLUSH: 'flush',
  CMD_DUMP: 'dump',
} as const;

/** The framed bytes of a command, with a leading 0x00 so a target that holds a partial frame
 * (line noise, a half-sent earlier command) resynchronises before this one. */
export function commandFrame(name: CommandName): Buffer {
  return Buffer.concat([Buffer.of(0), frame(commandMessage(WIRE_NAME[name]))]);
}
