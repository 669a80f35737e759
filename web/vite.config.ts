import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig, type Plugin } from "vite";
import * as generated from "./src/generated.ts";

/**
 * `persisted.json`: every operation the console sends, as a persisted-documents manifest
 * (`sha256:<hex>` of the exact text → text). The server adds it to the documents of
 * `--persisted-documents`, so `--persisted-only` still serves the console.
 */
function persistedDocuments(): Plugin {
  return {
    name: "mlgraph-persisted-documents",
    generateBundle() {
      const manifest: Record<string, string> = {};
      for (const value of Object.values(generated)) {
        if (!(value instanceof String)) continue;
        const meta = (value as { __meta__?: { fragmentName?: string } }).__meta__;
        if (meta?.fragmentName) continue;
        const text = value.toString();
        manifest[`sha256:${createHash("sha256").update(text).digest("hex")}`] = text;
      }
      const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
      this.emitFile({ type: "asset", fileName: "persisted.json", source: `${JSON.stringify(sorted, null, 2)}\n` });
    },
  };
}

/** `LICENSES.txt`: the license of every npm package whose code is in the bundle. */
function licenses(): Plugin {
  return {
    name: "mlgraph-licenses",
    generateBundle() {
      const packages = new Map<string, string>();
      for (const id of this.getModuleIds()) {
        const at = id.lastIndexOf("/node_modules/");
        if (at < 0) continue;
        const rest = id.slice(at + "/node_modules/".length).split("/");
        const name = rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
        packages.set(name, join(id.slice(0, at), "node_modules", name));
      }
      const text = [...packages.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, dir]) => {
          const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
          const file = existsSync(dir) ? readdirSync(dir).find((f) => /^licen[cs]e/i.test(f)) : undefined;
          const body = file ? readFileSync(join(dir, file), "utf8").trim() : `(${pkg.license ?? "no license file"})`;
          return `${name} ${pkg.version} — ${pkg.license ?? ""}\n\n${body}\n`;
        })
        .join("\n" + "-".repeat(72) + "\n\n");
      this.emitFile({ type: "asset", fileName: "LICENSES.txt", source: text });
    },
  };
}

// Fixed names: the server embeds exactly dist/index.html, dist/assets/console.js, the
// lineage graph's chunk dist/assets/console-graph.js (loaded when a lineage is shown),
// dist/assets/console.css and dist/persisted.json.
export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  plugins: [persistedDocuments(), licenses()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: false,
    rolldownOptions: {
      output: {
        entryFileNames: "assets/console.js",
        chunkFileNames: "assets/console-[name].js",
        assetFileNames: "assets/console[extname]",
      },
    },
  },
});
