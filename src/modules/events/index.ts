/** The events module's public surface: the timeline route every resource registers, and the event routes. */
export { eventRoutes, registerTimelineRoute } from './routes.js';
export { includeInTimeline, type RelatedTimeline } from './service.js';
