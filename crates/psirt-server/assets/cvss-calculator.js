/*
 * psirt CVSS calculator.
 *
 * Self-contained: no dependencies, no inline code, no eval, nothing loaded from elsewhere, so it
 * runs under `Content-Security-Policy: script-src 'self'`. The Rust scorer does all parsing and
 * scoring (GET /api/v1/cvss?vector=...), so what this shows is exactly what psirt stores.
 *
 * Mount contract: every element with the attribute `data-cvss-calculator` becomes a calculator
 * (on DOMContentLoaded, and for content that htmx swaps in, on `htmx:load`).
 *   data-version   "3.1" (default) or "4.0": the version shown first.
 *   data-vector    optional: a vector to load first (its version wins over data-version).
 *   data-case-id   optional, with data-csrf: shows "Save assessment", which POSTs
 *   data-csrf      {vector, source} to /api/v1/cases/{id}/cvss with the X-CSRF-Token header
 *                  and reloads the page on success.
 *
 * Markup it renders (classes a page or a browser test can target):
 *   button.cvss-version[data-version]       version switch (aria-pressed)
 *   input.cvss-paste + button.cvss-load     paste a vector; Enter, paste or Load loads it
 *   .cvss-error                             the parser's message (hidden when none)
 *   fieldset.cvss-group[data-group=base]    base metrics; other groups are
 *   details.cvss-group[data-group=...]        (temporal|threat|environmental|supplemental)
 *   fieldset.cvss-metric[data-metric=AV]    one per metric, with
 *   input[type=radio][data-metric][data-value]  one per value
 *   .cvss-vector .cvss-score .cvss-severity[data-severity] .cvss-suggested .cvss-status
 *   select.cvss-source, button.cvss-save    only with data-case-id and data-csrf
 * The root gets data-status: "loading", "incomplete", "scoring", "scored" or "error".
 */
(function () {
  "use strict";

  var API = "/api/v1";
  var SWITCH_VERSIONS = ["3.1", "4.0"];
  var GROUPS = [
    ["base", "Base metrics"],
    ["temporal", "Temporal metrics"],
    ["threat", "Threat metrics"],
    ["environmental", "Environmental metrics"],
    ["supplemental", "Supplemental metrics (not scored)"]
  ];
  var SOURCES = [
    ["psirt", "PSIRT (authoritative)"],
    ["reporter", "Reporter"],
    ["nvd", "NVD"],
    ["vendor", "Vendor"],
    ["other", "Other"]
  ];
  var DEBOUNCE_MS = 150;
  var definitions = {};
  var counter = 0;

  /* el("tag", {class: "x", text: "y", other: "attribute"}, [children]) */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    var key;
    for (key in attrs || {}) {
      if (!Object.prototype.hasOwnProperty.call(attrs, key) || attrs[key] === null) {
        continue;
      }
      if (key === "text") {
        node.textContent = attrs[key];
      } else if (key === "class") {
        node.className = attrs[key];
      } else {
        node.setAttribute(key, attrs[key]);
      }
    }
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  /* Resolves to {ok, status, body}; the body is parsed JSON (problem+json on errors) or null. */
  function request(method, url, body, headers) {
    var init = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json, application/problem+json" }
    };
    Object.keys(headers || {}).forEach(function (h) {
      init.headers[h] = headers[h];
    });
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (resp) {
      return resp.text().then(function (text) {
        var parsed = null;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch (e) {
          parsed = null;
        }
        return { ok: resp.ok, status: resp.status, body: parsed };
      });
    });
  }

  /* The most useful sentence of a problem+json answer. */
  function problem(r) {
    var b = r.body || {};
    if (b.errors && b.errors.length && b.errors[0].message) {
      return (b.errors[0].field ? b.errors[0].field + ": " : "") + b.errors[0].message;
    }
    return b.detail || "request failed (HTTP " + r.status + ")";
  }

  function loadDefinitions(version) {
    if (!definitions[version]) {
      definitions[version] = request(
        "GET",
        API + "/cvss/metrics?version=" + encodeURIComponent(version)
      ).then(function (r) {
        if (!r.ok) {
          delete definitions[version];
          throw new Error(problem(r));
        }
        return r.body.metrics;
      });
    }
    return definitions[version];
  }

  function prefix(version) {
    return version === "2.0" ? "" : "CVSS:" + version + "/";
  }

  function Calculator(root) {
    this.root = root;
    this.uid = "cvss" + ++counter;
    this.version = root.getAttribute("data-version") || "3.1";
    this.caseId = root.getAttribute("data-case-id");
    this.csrf = root.getAttribute("data-csrf");
    this.defs = [];
    this.values = {};
    this.scored = null;
    this.seq = 0;
    this.timer = null;
    this.build();
    var initial = root.getAttribute("data-vector");
    if (initial) {
      this.paste.value = initial;
      this.load(initial);
    } else {
      this.setVersion(this.version, {});
    }
  }

  Calculator.prototype.build = function () {
    var self = this;
    var root = this.root;
    while (root.firstChild) {
      root.removeChild(root.firstChild);
    }
    if (!/(^|\s)cvss-calculator(\s|$)/.test(root.className)) {
      root.className = (root.className ? root.className + " " : "") + "cvss-calculator";
    }

    this.switches = SWITCH_VERSIONS.map(function (v) {
      var b = el("button", {
        type: "button",
        class: "cvss-version",
        "data-version": v,
        "aria-pressed": "false",
        text: "CVSS " + v
      });
      b.addEventListener("click", function () {
        if (v !== self.version) {
          self.setVersion(v, {});
        }
      });
      return b;
    });
    root.appendChild(
      el("div", { class: "cvss-versions", role: "group", "aria-label": "CVSS version" }, this.switches)
    );

    var pasteId = this.uid + "-paste";
    this.paste = el("input", {
      type: "text",
      id: pasteId,
      class: "cvss-paste",
      spellcheck: "false",
      autocomplete: "off",
      placeholder: "Paste a vector, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    });
    var loadButton = el("button", { type: "button", class: "cvss-load", text: "Load" });
    this.paste.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        self.load(self.paste.value);
      }
    });
    this.paste.addEventListener("paste", function () {
      // The field holds the pasted text only after this event.
      window.setTimeout(function () {
        self.load(self.paste.value);
      }, 0);
    });
    loadButton.addEventListener("click", function () {
      self.load(self.paste.value);
    });
    root.appendChild(
      el("div", { class: "cvss-paste-row" }, [
        el("label", { for: pasteId, text: "Vector " }),
        this.paste,
        " ",
        loadButton
      ])
    );
    this.error = el("p", { class: "cvss-error", role: "alert" });
    this.error.hidden = true;
    root.appendChild(this.error);

    this.metrics = el("div", { class: "cvss-metrics" });
    root.appendChild(this.metrics);

    this.vectorOut = el("code", { class: "cvss-vector" });
    this.scoreOut = el("span", { class: "cvss-score", text: "-" });
    this.severityOut = el("span", { class: "cvss-severity", "data-severity": "" });
    this.suggestedOut = el("span", { class: "cvss-suggested" });
    this.status = el("p", { class: "cvss-status" });
    root.appendChild(
      el("div", { class: "cvss-result", "aria-live": "polite" }, [
        el("p", {}, ["Vector: ", this.vectorOut]),
        el("p", {}, ["Score: ", this.scoreOut, " ", this.severityOut]),
        el("p", {}, ["Suggested case severity: ", this.suggestedOut]),
        this.status
      ])
    );

    if (this.caseId && this.csrf) {
      var sourceId = this.uid + "-source";
      this.source = el(
        "select",
        { id: sourceId, class: "cvss-source" },
        SOURCES.map(function (s) {
          return el("option", { value: s[0], text: s[1] });
        })
      );
      this.save = el("button", { type: "button", class: "cvss-save", text: "Save assessment" });
      this.save.disabled = true;
      this.save.addEventListener("click", function () {
        self.submit();
      });
      root.appendChild(
        el("div", { class: "cvss-save-row" }, [
          el("label", { for: sourceId, text: "Source " }),
          this.source,
          " ",
          this.save
        ])
      );
    }
  };

  Calculator.prototype.setStatus = function (status, text) {
    this.root.setAttribute("data-status", status);
    this.status.textContent = text || "";
  };

  Calculator.prototype.showError = function (message) {
    this.error.textContent = message || "";
    this.error.hidden = !message;
  };

  /* Shows `version` with `values` ({metric: value}); unknown metrics are dropped. */
  Calculator.prototype.setVersion = function (version, values) {
    var self = this;
    this.version = version;
    this.switches.forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-version") === version));
    });
    this.setStatus("loading", "Loading metrics\u2026");
    return loadDefinitions(version).then(
      function (defs) {
        if (self.version !== version) {
          return;
        }
        self.defs = defs;
        self.values = {};
        defs.forEach(function (d) {
          var wanted = values[d.metric];
          var known = d.values.some(function (v) {
            return v.value === wanted;
          });
          if (known) {
            self.values[d.metric] = wanted;
          } else if (!d.mandatory) {
            self.values[d.metric] = d.values[0].value;
          }
        });
        self.render();
        self.update();
      },
      function (err) {
        self.setStatus("error", "");
        self.showError(err.message);
      }
    );
  };

  Calculator.prototype.render = function () {
    var self = this;
    while (this.metrics.firstChild) {
      this.metrics.removeChild(this.metrics.firstChild);
    }
    GROUPS.forEach(function (g) {
      var defs = self.defs.filter(function (d) {
        return d.group === g[0];
      });
      if (!defs.length) {
        return;
      }
      var box;
      if (g[0] === "base") {
        box = el("fieldset", { class: "cvss-group", "data-group": g[0] }, [
          el("legend", { text: g[1] })
        ]);
      } else {
        box = el("details", { class: "cvss-group", "data-group": g[0] }, [
          el("summary", { text: g[1] })
        ]);
        // Open a group that has something chosen, so a loaded vector shows all it says.
        box.open = defs.some(function (d) {
          return self.values[d.metric] !== d.values[0].value;
        });
      }
      defs.forEach(function (d) {
        box.appendChild(self.renderMetric(d));
      });
      self.metrics.appendChild(box);
    });
  };

  Calculator.prototype.renderMetric = function (d) {
    var self = this;
    var name = this.uid + "-" + d.metric;
    var box = el("fieldset", { class: "cvss-metric", "data-metric": d.metric }, [
      el("legend", { text: d.name + " (" + d.metric + ")" })
    ]);
    d.values.forEach(function (v) {
      var input = el("input", {
        type: "radio",
        name: name,
        id: name + "-" + v.value,
        value: v.value,
        "data-metric": d.metric,
        "data-value": v.value
      });
      input.checked = self.values[d.metric] === v.value;
      input.addEventListener("change", function () {
        if (input.checked) {
          self.values[d.metric] = v.value;
          self.update();
        }
      });
      box.appendChild(
        el("label", { class: "cvss-value", for: input.id }, [input, " " + v.name + " (" + v.value + ")"])
      );
      box.appendChild(document.createTextNode(" "));
    });
    return box;
  };

  /* The vector the chosen values spell (Not Defined metrics left out), and what is missing. */
  Calculator.prototype.vector = function () {
    var self = this;
    var parts = [];
    var missing = [];
    this.defs.forEach(function (d) {
      var v = self.values[d.metric];
      if (v === undefined) {
        missing.push(d.metric);
      } else if (d.mandatory || v !== d.values[0].value) {
        parts.push(d.metric + ":" + v);
      }
    });
    return { text: prefix(this.version) + parts.join("/"), missing: missing };
  };

  Calculator.prototype.clearScore = function () {
    this.scored = null;
    this.scoreOut.textContent = "-";
    this.severityOut.textContent = "";
    this.severityOut.setAttribute("data-severity", "");
    this.suggestedOut.textContent = "";
    if (this.save) {
      this.save.disabled = true;
    }
  };

  Calculator.prototype.update = function () {
    var self = this;
    var v = this.vector();
    this.vectorOut.textContent = v.text;
    window.clearTimeout(this.timer);
    this.seq += 1;
    if (v.missing.length) {
      this.clearScore();
      this.setStatus("incomplete", "Choose a value for: " + v.missing.join(", "));
      return;
    }
    this.setStatus("scoring", "Scoring\u2026");
    this.timer = window.setTimeout(function () {
      self.score(v.text);
    }, DEBOUNCE_MS);
  };

  Calculator.prototype.score = function (vector) {
    var self = this;
    var seq = this.seq;
    request("GET", API + "/cvss?vector=" + encodeURIComponent(vector)).then(
      function (r) {
        if (seq !== self.seq) {
          return; // a newer choice is being scored
        }
        if (!r.ok) {
          self.clearScore();
          self.setStatus("error", "");
          self.showError(problem(r));
          return;
        }
        self.show(r.body);
      },
      function (err) {
        if (seq === self.seq) {
          self.setStatus("error", "");
          self.showError("cannot reach psirt: " + err.message);
        }
      }
    );
  };

  Calculator.prototype.show = function (b) {
    this.scored = b;
    this.showError("");
    this.vectorOut.textContent = b.vector;
    this.scoreOut.textContent = Number(b.score).toFixed(1);
    this.severityOut.textContent = b.severity;
    this.severityOut.setAttribute("data-severity", b.severity);
    this.suggestedOut.textContent = b.suggested_severity || "none";
    var baseNote =
      b.base_score !== b.score ? "Base score " + Number(b.base_score).toFixed(1) + ". " : "";
    var nomenclature = b.scores && b.scores.nomenclature ? b.scores.nomenclature + ". " : "";
    this.setStatus("scored", (nomenclature + baseNote).trim());
    if (this.save) {
      this.save.disabled = false;
    }
  };

  /* Loads a pasted vector: the server parses it, so its error message is the one shown. */
  Calculator.prototype.load = function (text) {
    var self = this;
    text = (text || "").trim();
    if (!text) {
      return;
    }
    this.setStatus("loading", "Reading the vector\u2026");
    request("GET", API + "/cvss?vector=" + encodeURIComponent(text)).then(
      function (r) {
        if (!r.ok) {
          self.setStatus("error", "");
          self.showError(problem(r));
          return;
        }
        self.showError("");
        var values = {};
        r.body.metrics.forEach(function (m) {
          values[m.metric] = m.value;
        });
        self.paste.value = r.body.vector;
        self.setVersion(r.body.version, values);
      },
      function (err) {
        self.setStatus("error", "");
        self.showError("cannot reach psirt: " + err.message);
      }
    );
  };

  Calculator.prototype.submit = function () {
    var self = this;
    if (!this.scored) {
      return;
    }
    this.save.disabled = true;
    request(
      "POST",
      API + "/cases/" + encodeURIComponent(this.caseId) + "/cvss",
      { vector: this.scored.vector, source: this.source.value },
      { "X-CSRF-Token": this.csrf }
    ).then(
      function (r) {
        if (r.ok) {
          window.location.reload();
          return;
        }
        self.save.disabled = false;
        self.showError(problem(r));
      },
      function (err) {
        self.save.disabled = false;
        self.showError("cannot reach psirt: " + err.message);
      }
    );
  };

  function mountAll(scope) {
    var nodes = (scope || document).querySelectorAll("[data-cvss-calculator]");
    Array.prototype.forEach.call(nodes, function (node) {
      if (!node.cvssCalculator) {
        node.cvssCalculator = new Calculator(node);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      mountAll(document);
    });
  } else {
    mountAll(document);
  }
  document.addEventListener("htmx:load", function (e) {
    var target = e.target;
    if (target && target.querySelectorAll) {
      if (target.matches && target.matches("[data-cvss-calculator]") && !target.cvssCalculator) {
        target.cvssCalculator = new Calculator(target);
      }
      mountAll(target);
    }
  });
})();
