import { createContext } from 'svelte';
import type { TriadSession } from './triad-session.svelte';

/**
 * The open triad of the `/t/[id]` screens, provided by their layout as a getter so that screens
 * follow it when the route changes to another triad.
 */
export const [getTriadContext, setTriadContext] = createContext<() => TriadSession>();
