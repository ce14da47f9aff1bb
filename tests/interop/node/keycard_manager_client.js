// The npm `keycard-manager` (a port of Status' Java SDK) against cardwire's simulated Keycard:
// SELECT (instance AID), pair, open the secure channel, verify the PIN, status, generate a key,
// sign, unpair. keycard-manager 0.9.6 ships without its native pcsclite binding, so its
// KeycardCommandSet runs over an APDU channel built on the npm `smartcard` package.
// Usage: node keycard_manager_client.js "<reader name>"; prints one JSON line, exits 1 on error.
"use strict";
const path = require("path");
const crypto = require("crypto");
const { Context, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD } = require("smartcard");

const dist = path.join(__dirname, "node_modules", "keycard-manager", "dist", "cjs");
const { KeycardCommandSet } = require(path.join(dist, "applet", "keycard-command-set.js"));
const { APDUResponse } = require(path.join(dist, "io", "apdu-response.js"));

class SmartcardChannel {
  constructor(card) {
    this.card = card;
    this.sent = [];
  }
  async send(cmd) {
    const apdu = Buffer.from(cmd.serialize());
    this.sent.push(apdu.toString("hex"));
    return new APDUResponse(new Uint8Array(await this.card.transmit(apdu)));
  }
  isConnected() {
    return true;
  }
}

async function main(readerName) {
  const ctx = new Context();
  try {
    const reader = ctx.listReaders().find((r) => r.name === readerName);
    if (!reader) throw new Error(`no reader named ${readerName}`);
    const card = await reader.connect(SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1);
    const channel = new SmartcardChannel(card);
    const cmdset = new KeycardCommandSet(channel);
    (await cmdset.select()).checkOK();
    const info = cmdset.getApplicationInfo();
    await cmdset.autoPair("KeycardDefaultPairing");
    await cmdset.autoOpenSecureChannel();
    (await cmdset.verifyPIN("123456")).checkOK();
    const status = (await cmdset.getStatus(0)).checkOK().getData();
    const keyUid = (await cmdset.generateKey()).checkOK().getData();
    const digest = crypto.createHash("sha256").update("signed by keycard-manager").digest();
    const signature = (await cmdset.sign(new Uint8Array(digest))).checkOK().getData();
    await cmdset.secureChannel.autoUnpair(channel);
    card.disconnect(SCARD_LEAVE_CARD);
    console.log(
      JSON.stringify({
        select: channel.sent[0],
        initialized: info.isInitializedCard(),
        status: Buffer.from(status).toString("hex"),
        key_uid: Buffer.from(keyUid).toString("hex"),
        digest: digest.toString("hex"),
        signature: Buffer.from(signature).toString("hex"),
      }),
    );
  } finally {
    ctx.close();
  }
}

main(process.argv[2]).catch((err) => {
  console.error(`keycard-manager: ${err.message || err}`);
  process.exit(1);
});
