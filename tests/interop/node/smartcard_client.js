// The npm `smartcard` package (PC/SC bindings, N-API) against cardwire's simulated card:
// list the readers, connect, read the ATR, SELECT the file-system applet, READ BINARY by SFI.
// Usage: node smartcard_client.js "<reader name>"; prints one JSON line, exits 1 on an error.
"use strict";
const { Context, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD } =
  require("smartcard");

async function main(readerName) {
  const ctx = new Context();
  try {
    const reader = ctx.listReaders().find((r) => r.name === readerName);
    if (!reader) throw new Error(`no reader named ${readerName}`);
    const card = await reader.connect(SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1);
    const out = { atr: card.getStatus().atr.toString("hex"), protocol: card.protocol, answers: [] };
    for (const apdu of ["00A4040C0AF0636172647769726500", "00A4000C025000", "00B081001D"]) {
      const answer = await card.transmit(Buffer.from(apdu, "hex"));
      out.answers.push(answer.toString("hex"));
    }
    card.disconnect(SCARD_LEAVE_CARD);
    console.log(JSON.stringify(out));
  } finally {
    ctx.close();
  }
}

main(process.argv[2]).catch((err) => {
  console.error(`smartcard: ${err.message}`);
  process.exit(1);
});
