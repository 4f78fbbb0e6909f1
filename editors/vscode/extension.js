// The wf extension: starts `wf lsp` (the command in the wf.path setting)
// for .wf files and connects VS Code's LSP client to it over stdio, and
// runs `wf dap` as the debug adapter of the `wf` debug type.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

// wfCommand is the wf binary the settings name.
function wfCommand() {
  return vscode.workspace.getConfiguration("wf").get("path") || "wf";
}

function activate(context) {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory("wf", {
      createDebugAdapterDescriptor() {
        return new vscode.DebugAdapterExecutable(wfCommand(), ["dap"]);
      },
    }),
  );
  client = new LanguageClient(
    "wf",
    "wf lsp",
    { command: wfCommand(), args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "wf" }] },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
