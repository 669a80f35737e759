import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, request, setToken, token } from "./api";
import { LoginDocument, LogoutDocument, MeDocument, type MeQuery } from "./generated";
import { go, href, useRoute } from "./route";
import "./style.css";
import { Failure } from "./ui";
import { Admin } from "./views/Admin";
import { Approvals } from "./views/Approvals";
import { Dataset, Datasets } from "./views/Datasets";
import { Endpoint, Endpoints } from "./views/Endpoints";
import { Experiment, Experiments } from "./views/Experiments";
import { Jobs } from "./views/Jobs";
import { Lineage } from "./views/Lineage";
import { Model } from "./views/Model";
import { Models } from "./views/Models";
import { SEARCH_TYPES, Search } from "./views/Search";

/** `datetime-local` wants local time without a zone. */
function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function TimeControl(props: { asOf: string | null; path: string }) {
  return (
    <div class="time">
      <label>
        As of{" "}
        <input
          type="datetime-local"
          step={1}
          value={toLocalInput(props.asOf)}
          onChange={(e) => {
            const v = e.currentTarget.value;
            go(props.path, { asOf: v ? new Date(v).toISOString() : null });
          }}
        />
      </label>
      {props.asOf && (
        <button type="button" onClick={() => go(props.path, { asOf: null })}>
          Now
        </button>
      )}
    </div>
  );
}

function SignIn(props: { me: MeQuery["me"] | null; changed: () => void }) {
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [key, setKey] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const me = props.me;
  const who = me?.user?.email ?? me?.actor;
  if (token() && me) {
    return (
      <div class="who">
        <span id="who">{who ?? "signed in"}</span>
        <button
          type="button"
          onClick={async () => {
            // Revokes a session; an API key stays valid (it is revoked by an admin).
            await request(LogoutDocument, {}).catch(() => undefined);
            setToken(null);
            props.changed();
          }}
        >
          Sign out
        </button>
      </div>
    );
  }
  if (me && !me.authentication) {
    return (
      <div class="who muted small" title="Authentication is off on this server: everyone may read and write">
        authentication off
      </div>
    );
  }
  return (
    <div class="who">
      {who && <span id="who">{who}</span>}
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        Sign in
      </button>
      {open && (
        <div class="signin" role="dialog" aria-label="Sign in">
          {error && <Failure error={error} />}
          <form
            onSubmit={async (e) => {
              e.preventDefault();
              setError(null);
              try {
                const d = await request(LoginDocument, { email, password });
                setToken(d.login.token);
                setPassword("");
                setOpen(false);
                props.changed();
              } catch (err) {
                setError(err as ApiError);
              }
            }}
          >
            <label>
              Email <input type="email" autocomplete="username" value={email} onInput={(e) => setEmail(e.currentTarget.value)} required />
            </label>
            <label>
              Password{" "}
              <input
                type="password"
                autocomplete="current-password"
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
                required
              />
            </label>
            <button type="submit">Sign in</button>
          </form>
          <form
            onSubmit={async (e) => {
              e.preventDefault();
              setError(null);
              setToken(key);
              try {
                await request(MeDocument, {});
                setKey("");
                setOpen(false);
                props.changed();
              } catch (err) {
                setToken(null);
                setError(err as ApiError);
              }
            }}
          >
            <label>
              or an API key <input type="password" value={key} onInput={(e) => setKey(e.currentTarget.value)} placeholder="mlg_…" required />
            </label>
            <button type="submit">Use key</button>
          </form>
        </div>
      )}
    </div>
  );
}

function App() {
  const route = useRoute();
  const asOf = route.params.get("asOf");
  const [me, setMe] = useState<MeQuery["me"] | null>(null);
  const [meError, setMeError] = useState<ApiError | null>(null);
  const [generation, setGeneration] = useState(0);
  const [text, setText] = useState(route.params.get("q") ?? "");
  const [type, setType] = useState(route.params.get("type") ?? "");
  useEffect(() => {
    request(MeDocument, {}).then(
      (d) => {
        setMe(d.me);
        setMeError(null);
      },
      (e: ApiError) => {
        setMe(null);
        setMeError(e);
      },
    );
  }, [generation]);
  const [first, second] = route.path;
  const path = `/${route.path.join("/")}`;
  let view;
  switch (first ?? "models") {
    case "models":
      view = second ? <Model id={second} asOf={asOf} /> : <Models asOf={asOf} />;
      break;
    case "datasets":
      view = second ? <Dataset id={second} asOf={asOf} /> : <Datasets asOf={asOf} />;
      break;
    case "experiments":
      view = second ? <Experiment id={second} asOf={asOf} /> : <Experiments asOf={asOf} />;
      break;
    case "endpoints":
      view = second ? <Endpoint id={second} asOf={asOf} /> : <Endpoints asOf={asOf} />;
      break;
    case "jobs":
      view = <Jobs asOf={asOf} />;
      break;
    case "approvals":
      view = <Approvals asOf={asOf} />;
      break;
    case "admin":
      view = <Admin />;
      break;
    case "search":
      // Once the server has said whether it searches by meaning (one request, not two).
      view =
        me || meError ? (
          <Search text={route.params.get("q") ?? ""} type={route.params.get("type")} semantic={!!me?.semanticSearch} />
        ) : (
          <p class="muted" aria-busy="true">
            Loading…
          </p>
        );
      break;
    case "lineage":
      view = <Lineage id={second ?? ""} depth={Number(route.params.get("depth") ?? 3) || 3} asOf={asOf} />;
      break;
    default:
      view = <p role="alert">No such page. Go to <a href={href("/models")}>models</a>.</p>;
  }
  const nav = (to: string, label: string) => (
    <a href={href(to)} aria-current={first === to.slice(1) || (!first && to === "/models") ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <a class="brand" href={href("/models")}>
          mlgraph
        </a>
        <nav aria-label="Main">
          {nav("/models", "Models")}
          {nav("/datasets", "Datasets")}
          {nav("/experiments", "Experiments")}
          {nav("/endpoints", "Endpoints")}
          {nav("/jobs", "Training jobs")}
          {nav("/approvals", "Approvals")}
          {(me?.user?.isSuperuser || (me && !me.authentication)) && nav("/admin", "Admin")}
          <a href="/graphiql">GraphiQL</a>
        </nav>
        <form
          class="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            if (text.trim()) go("/search", { q: text.trim(), type: type || null, asOf: null });
          }}
        >
          <input
            type="search"
            aria-label="Search the registry"
            placeholder="Search…"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <select aria-label="Search in" value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="">everything</option>
            {SEARCH_TYPES.map((t) => (
              <option value={t}>{t.toLowerCase().replace("_", " ")}</option>
            ))}
          </select>
          <button type="submit">Search</button>
        </form>
        <TimeControl asOf={asOf} path={path === "/" ? "/models" : path} />
        <SignIn me={me} changed={() => setGeneration((g) => g + 1)} />
      </header>
      {asOf && (
        <div class="asof" role="status" id="asof">
          Showing the registry as it was at <time dateTime={asOf}>{new Date(asOf).toLocaleString()}</time>.{" "}
          <a href={href(path === "/" ? "/models" : path, { asOf: null })}>Back to now</a>
        </div>
      )}
      <main key={generation}>
        {meError && <Failure error={meError} />}
        {me?.authentication && !me.user && (
          <p class="empty" id="signin-hint">
            Authentication is on: sign in (top right) with your email and password or an API key to
            see what you may see.
          </p>
        )}
        {view}
      </main>
    </>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
