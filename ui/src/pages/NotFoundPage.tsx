import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p>
        There is no admin page at this address. <Link to="/sessions">Go to the sessions</Link>.
      </p>
    </section>
  );
}
