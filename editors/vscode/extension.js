// The wf extension: starts `wf lsp` (the command in the wf.path setting)
// for .wf files and connects VS Code's LSP client to it over stdio.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("wf").get("path") || "wf";
  client = new LanguageClient(
    "wf",
    "wf lsp",
    { command, args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "wf" }] },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
