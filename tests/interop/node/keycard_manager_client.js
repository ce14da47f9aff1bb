// The npm `keycard-manager` (a port of Status' Java SDK) against cardwire's simulated Keycard:
// SELECT (instance AID), IDENTIFY CARD, pair, open the secure channel, verify the PIN, status,
// then every applet 3.1 command it has (PIN/PUK changes, wrong PINs and UNBLOCK PIN, LOAD KEY
// seed and key pair, DERIVE KEY, EXPORT KEY current/derived/private, SIGN with a path and
// PIN-less, SET PINLESS PATH, GENERATE MNEMONIC, STORE/GET DATA, REMOVE KEY, GENERATE KEY, SIGN),
// unpair; with "reset" as second argument FACTORY RESET then INIT instead. keycard-manager
// 0.9.6 ships without its native pcsclite binding, so its KeycardCommandSet runs over an APDU
// channel built on the npm `smartcard` package.
// Usage: node keycard_manager_client.js "<reader name>" [reset]; prints one JSON line, exits 1
// on error.
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

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const PIN = "123456";
const PUK = "123456789012";
// bip-0032.mediawiki, Test vector 1: the seed.
const SEED_1 = Buffer.from("000102030405060708090a0b0c0d0e0f", "hex");

// Every applet 3.1 command keycard-manager has, in an open channel with the PIN verified.
async function commands(cmdset) {
  const out = {};
  const digest = crypto.createHash("sha256").update("signed by keycard-manager").digest();
  const hash = new Uint8Array(digest);
  out.digest = digest.toString("hex");
  (await cmdset.changePIN("654321")).checkOK();
  (await cmdset.verifyPIN("654321")).checkOK();
  (await cmdset.changePIN(PIN)).checkOK();
  (await cmdset.changePUK(PUK)).checkOK();
  (await cmdset.changePairingPassword("KeycardDefaultPairing")).checkOK();
  out.wrong_pins = [];
  for (let i = 0; i < 3; i++) out.wrong_pins.push((await cmdset.verifyPIN("000000")).getSw());
  (await cmdset.unblockPIN(PUK, PIN)).checkOK();
  out.seed_key_uid = hex((await cmdset.loadKeyWithSeed(SEED_1)).checkOK().getData());
  (await cmdset.deriveKey("m/0'/1")).checkOK();
  out.current = hex((await cmdset.exportCurrentKey(true)).checkOK().getData());
  out.derived = hex((await cmdset.exportKey("m/0'/1/2'", false, true)).checkOK().getData());
  out.private = hex((await cmdset.exportKey("m/43'/60'/1581'/0'/0", false, false)).checkOK().getData());
  out.path_signature = hex((await cmdset.signWithPath(hash, "m/0'/1/2'", false)).checkOK().getData());
  (await cmdset.setPinlessPath("m/0'/1/2'")).checkOK();
  out.pinless_signature = hex((await cmdset.signPinless(hash)).checkOK().getData());
  (await cmdset.resetPinlessPath()).checkOK();
  out.mnemonic = hex((await cmdset.generateMnemonic(4)).checkOK().getData());
  (await cmdset.storeData(new TextEncoder().encode("keycard-manager"), 0x00)).checkOK();
  out.public_data = hex((await cmdset.getData(0x00)).checkOK().getData());
  const privateKey = crypto.createHash("sha256").update("keycard-manager key").digest();
  out.key_pair_private = privateKey.toString("hex");
  out.key_pair_uid = hex((await cmdset.loadKey(null, new Uint8Array(privateKey), null)).checkOK().getData());
  (await cmdset.removeKey()).checkOK();
  out.status_without_key = hex((await cmdset.getStatus(0)).checkOK().getData());
  out.key_uid = hex((await cmdset.generateKey()).checkOK().getData());
  out.signature = hex((await cmdset.sign(hash)).checkOK().getData());
  return out;
}

// FACTORY RESET, SELECT the blank card, INIT with the default credentials, SELECT again.
async function reset(cmdset) {
  const out = {};
  (await cmdset.factoryReset()).checkOK();
  (await cmdset.select()).checkOK();
  out.blank = !cmdset.getApplicationInfo().isInitializedCard();
  (await cmdset.initWithPassword(PIN, PUK, "KeycardDefaultPairing")).checkOK();
  (await cmdset.select()).checkOK();
  out.initialized = cmdset.getApplicationInfo().isInitializedCard();
  await cmdset.autoPair("KeycardDefaultPairing");
  await cmdset.autoOpenSecureChannel();
  (await cmdset.verifyPIN(PIN)).checkOK();
  out.status = hex((await cmdset.getStatus(0)).checkOK().getData());
  return out;
}

async function main(readerName, mode) {
  const ctx = new Context();
  try {
    const reader = ctx.listReaders().find((r) => r.name === readerName);
    if (!reader) throw new Error(`no reader named ${readerName}`);
    const card = await reader.connect(SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1);
    const channel = new SmartcardChannel(card);
    const cmdset = new KeycardCommandSet(channel);
    (await cmdset.select()).checkOK();
    if (mode === "reset") {
      const out = await reset(cmdset);
      await cmdset.secureChannel.autoUnpair(channel);
      card.disconnect(SCARD_LEAVE_CARD);
      console.log(JSON.stringify(out));
      return;
    }
    const info = cmdset.getApplicationInfo();
    const challenge = new Uint8Array(crypto.randomBytes(32));
    const identity = (await cmdset.identifyCard(challenge)).checkOK().getData();
    await cmdset.autoPair("KeycardDefaultPairing");
    await cmdset.autoOpenSecureChannel();
    (await cmdset.verifyPIN(PIN)).checkOK();
    const status = (await cmdset.getStatus(0)).checkOK().getData();
    const out = await commands(cmdset);
    await cmdset.secureChannel.autoUnpair(channel);
    card.disconnect(SCARD_LEAVE_CARD);
    console.log(
      JSON.stringify({
        select: channel.sent[0],
        initialized: info.isInitializedCard(),
        challenge: hex(challenge),
        identity: hex(identity),
        status: hex(status),
        ...out,
      }),
    );
  } finally {
    ctx.close();
  }
}

main(process.argv[2], process.argv[3]).catch((err) => {
  console.error(`keycard-manager: ${err.message || err}`);
  process.exit(1);
});
