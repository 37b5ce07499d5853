/** Who did it, for the timeline: `admin`, or `admin:<name>` from the X-RMS-Actor header. */
export function actorOf(header: string | undefined): string {
  const name = header?.trim().slice(0, 64);
  return name ? `admin:${name}` : 'admin';
}

export const ACTOR_HEADER = {
  name: 'x-rms-actor',
  required: false,
  description: 'who is acting, recorded in the timeline',
};
