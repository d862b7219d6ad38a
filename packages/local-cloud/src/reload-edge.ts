/**
 * The edge as one generation of a reloadable cloud sees it: the handlers,
 * control endpoints and unsigned-route rules a generation registers are its
 * own, and the real edge asks only the active generation's. Switching the
 * generation drops every handler of the previous one at once, so a reloaded
 * cloud never answers through a stopped service.
 */
import type { Edge, UnsignedRoute } from './edge/server';
import type { ControlHandler, EdgeHandler } from './types';

interface Generation {
  readonly handlers: Map<string, EdgeHandler[]>;
  readonly controls: Map<string, ControlHandler>;
  readonly unsignedRoutes: UnsignedRoute[];
}

export class GenerationalEdge {
  private active: Generation = newGeneration();
  private readonly wiredServices = new Set<string>();
  private readonly wiredControls = new Set<string>();
  private unsignedWired = false;

  constructor(private readonly edge: Edge) {}

  /** Starts a new, empty generation and returns the edge it registers on; the previous one's handlers stop answering. */
  next(): Edge {
    const generation = newGeneration();
    this.active = generation;
    const edge = this.edge;
    return {
      url: edge.url,
      port: edge.port,
      // Fault rules belong to the session, not to a version of the app: they survive a reload.
      chaos: edge.chaos,
      use: (service, handler) => {
        generation.handlers.set(service, [...(generation.handlers.get(service) ?? []), handler]);
        this.wireService(service);
      },
      useControl: (name, handler) => {
        generation.controls.set(name, handler);
        this.wireControl(name);
      },
      useUnsignedRoute: (rule) => {
        generation.unsignedRoutes.push(rule);
        this.wireUnsignedRoutes();
      },
      // A page replaces the one under its prefix: the newest generation's console is served.
      usePage: (prefix, handler) => edge.usePage(prefix, handler),
      forward: (request) => edge.forward(request),
      // The real edge outlives its generations: ReloadableCloud stops it.
      stop: async () => undefined,
    };
  }

  private wireService(service: string): void {
    if (this.wiredServices.has(service)) return;
    this.wiredServices.add(service);
    this.edge.use(service, async (request) => {
      for (const handler of this.active.handlers.get(service) ?? []) {
        const answer = await handler(request);
        if (answer !== undefined) return answer;
      }
      return undefined;
    });
  }

  private wireControl(name: string): void {
    if (this.wiredControls.has(name)) return;
    this.wiredControls.add(name);
    this.edge.useControl(name, (request) => {
      const handler = this.active.controls.get(name);
      if (!handler) return Promise.resolve({ status: 404, body: { message: `no control endpoint ${name} in this version of the app` } });
      return handler(request);
    });
  }

  private wireUnsignedRoutes(): void {
    if (this.unsignedWired) return;
    this.unsignedWired = true;
    this.edge.useUnsignedRoute((request) => {
      for (const rule of this.active.unsignedRoutes) {
        const service = rule(request);
        if (service !== undefined) return service;
      }
      return undefined;
    });
  }
}

function newGeneration(): Generation {
  return { handlers: new Map(), controls: new Map(), unsignedRoutes: [] };
}
